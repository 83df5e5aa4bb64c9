"""/api/v1 endpoints of cycles."""

from ninja import Router

router = Router(tags=["cycles"])
