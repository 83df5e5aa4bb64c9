"""/api/v1 endpoints of grievances."""

from ninja import Router

router = Router(tags=["grievances"])
