"""API tokens: stored hashed, shown once when created."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: Any, name: str = "cli") -> str:
    from salur.accounts.models import ApiToken

    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=_digest(key))
    return key


def user_for_token(key: str):
    from salur.accounts.models import ApiToken

    tok = ApiToken.objects.select_related("user").filter(digest=_digest(key), revoked=False).first()
    if tok is None or not tok.user.is_active:
        return None
    return tok.user
