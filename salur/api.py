"""The /api/v1 door: django-ninja, one router per domain app."""

from __future__ import annotations

from importlib import import_module

from ninja import NinjaAPI
from ninja.security import APIKeyHeader, django_auth

from salur.accounts.tokens import user_for_token


class TokenAuth(APIKeyHeader):
    """`Authorization: Token <key>`; the key is created by `salur users token NAME`."""

    param_name = "Authorization"

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        user = user_for_token(key.removeprefix("Token ").strip())
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Salur API",
    version="1",
    description="Registri sosial, impor, dan layanan bansos. Autentikasi: sesi (cookie) atau token.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)

from salur.core.errors import NotFound, PermissionDenied, SalurError  # noqa: E402
from salur.registry.api import router as registry_router  # noqa: E402


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    """A role or region refusal from any service: 403 with the reason, nothing changed."""
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(SalurError)
def refused(request, exc):
    """A request a service refused by its rules (not approved, over budget, bad period...): 400 with the reason."""
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(NotFound)
def not_found(request, exc):
    """Absent, or outside the caller's region: the same answer."""
    return api.create_response(request, {"detail": str(exc)}, status=404)


api.add_router("/registry", registry_router)

# One router per domain app (salur/<app>/api.py); each app adds its endpoints to its own router.
for _prefix, _module in [
    ("/programs", "salur.programs.api"),
    ("/targeting", "salur.targeting.api"),
    ("/enrolment", "salur.enrolment.api"),
    ("/cycles", "salur.cycles.api"),
    ("/payments", "salur.payments.api"),
    ("/budget", "salur.budget.api"),
    ("/dataquality", "salur.dataquality.api"),
    ("/distribution", "salur.distribution.api"),
    ("/atensi", "salur.atensi.api"),
    ("/santunan", "salur.santunan.api"),
    ("/grievances", "salur.grievances.api"),
    ("/portal", "salur.portal.api"),
    ("/dashboard", "salur.dashboard.api"),
]:
    api.add_router(_prefix, import_module(_module).router)
