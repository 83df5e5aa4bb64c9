"""/api/v1 endpoints of portal."""

from ninja import Router

router = Router(tags=["portal"])
