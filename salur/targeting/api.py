"""/api/v1 endpoints of targeting."""

from ninja import Router

router = Router(tags=["targeting"])
