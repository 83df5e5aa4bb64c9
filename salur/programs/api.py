"""/api/v1 endpoints of programs."""

from ninja import Router

router = Router(tags=["programs"])
