"""/api/v1 endpoints of atensi."""

from ninja import Router

router = Router(tags=["atensi"])
