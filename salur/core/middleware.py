"""Per-request context for the audit trail and the logs: a request id, and the source 'web' or 'api'."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from salur.core.audit import current_request_id, current_source


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        source = "api" if request.path.startswith("/api/") else "web"
        t1 = current_request_id.set(request_id)
        t2 = current_source.set(source)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(t1)
            current_source.reset(t2)
        response["X-Request-ID"] = request_id
        return response
