"""/api/v1 endpoints of budget."""

from ninja import Router

router = Router(tags=["budget"])
