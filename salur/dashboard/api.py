"""/api/v1 endpoints of dashboard."""

from ninja import Router

router = Router(tags=["dashboard"])
