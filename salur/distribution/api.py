"""/api/v1 endpoints of distribution."""

from ninja import Router

router = Router(tags=["distribution"])
