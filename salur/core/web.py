"""Helpers of the web door that every app's views use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from salur.core.access import CAPABILITY_LABELS, can


def capability_required(
    capability: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """403 (with the reason in Indonesian) for a role without `capability`; the view never runs."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can(request.user, capability):
                raise PermissionDenied(
                    f"Peran Anda tidak berwenang {CAPABILITY_LABELS.get(capability, capability)}"
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
