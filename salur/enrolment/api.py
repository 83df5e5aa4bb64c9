"""/api/v1 endpoints of enrolment."""

from ninja import Router

router = Router(tags=["enrolment"])
