"""/api/v1 endpoints of dataquality."""

from ninja import Router

router = Router(tags=["dataquality"])
