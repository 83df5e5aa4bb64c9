"""/api/v1 endpoints of payments."""

from ninja import Router

router = Router(tags=["payments"])
