"""/api/v1 endpoints of santunan."""

from ninja import Router

router = Router(tags=["santunan"])
