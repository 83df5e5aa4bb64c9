"""The tamper-evident audit trail: every state change, by whom, when, from where, before and after.

Each entry's hash covers the previous entry's hash and the entry's own content, so modifying, deleting, inserting
or reordering entries breaks the chain at a point that `audit_verify` names. Entries are written inside the same
transaction as the change they record: a change that rolls back leaves no entry, and no entry exists without its
change. Appends are serialised (an advisory lock on PostgreSQL; SQLite's single writer) so the chain never forks.

Bulk work (an import of a million rows) writes one entry whose detail carries a digest of the detail rows it
produced (`registry.RegistryChange`), so those rows are protected by the chain as well.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from salur.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64
_ADVISORY_KEY = 0x5A1A_0A0D  # any constant; one lock for the whole chain
SEP = "\x1f"

# The request or job an entry belongs to, and its source; set by middleware, the CLI and task runners.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("salur_request_id", default="")
current_source: contextvars.ContextVar[str] = contextvars.ContextVar("salur_source", default="cli")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    prev_hash: str,
    at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    source: str,
    action: str,
    object_type: str,
    object_id: str,
    request_id: str,
    payload: str,
) -> str:
    parts = [
        prev_hash,
        _at_text(at),
        "" if actor_id is None else str(actor_id),
        actor_name,
        source,
        action,
        object_type,
        object_id,
        request_id,
        payload,
    ]
    return hashlib.sha256(SEP.join(parts).encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_KEY])


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str | int = "",
    before: Any = None,
    after: Any = None,
    detail: Any = None,
    source: str | None = None,
    request_id: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction."""
    payload = canonical({"before": before, "after": after, "detail": detail})
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", "") or ""
    with transaction.atomic():
        _lock_chain()
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        at = timezone.now()
        src = source or current_source.get()
        req = request_id if request_id is not None else current_request_id.get()
        h = entry_hash(
            prev_hash=head.last_hash,
            at=at,
            actor_id=actor_id,
            actor_name=actor_name,
            source=src,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            request_id=req,
            payload=payload,
        )
        entry = AuditEntry.objects.create(
            at=at,
            actor_id=actor_id,
            actor_name=actor_name,
            source=src,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            request_id=req,
            payload=payload,
            prev_hash=head.last_hash,
            hash=h,
        )
        AuditHead.objects.filter(id=1).update(last_id=entry.pk, last_hash=h, count=head.count + 1)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_hash: str
    broken_at: int | None = None  # id of the first entry whose link is broken
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_hash": self.head_hash,
            "broken_at": self.broken_at,
            "reason": self.reason,
        }


def _entries(batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].pk


def audit_verify() -> VerifyResult:
    """Walk the chain from the start; the first entry that does not follow from its predecessor is named."""
    prev = GENESIS
    count = 0
    last_id = 0
    for entry in _entries():
        count += 1
        if entry.prev_hash != prev:
            return VerifyResult(
                False,
                count,
                prev,
                entry.pk,
                f"entri #{entry.pk}: tautan ke entri sebelumnya putus (ada entri yang dihapus, disisipkan atau diurutkan ulang)",
            )
        expected = entry_hash(
            prev_hash=entry.prev_hash,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            source=entry.source,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            request_id=entry.request_id,
            payload=entry.payload,
        )
        if expected != entry.hash:
            return VerifyResult(
                False, count, prev, entry.pk, f"entri #{entry.pk}: isinya diubah setelah dicatat"
            )
        problem = _verify_detail(entry)
        if problem:
            return VerifyResult(False, count, prev, entry.pk, f"entri #{entry.pk}: {problem}")
        prev = entry.hash
        last_id = entry.pk
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.count != count or head.last_id != last_id):
        return VerifyResult(
            False,
            count,
            prev,
            last_id or None,
            "ujung rantai tidak cocok dengan kepala rantai: entri terakhir dihapus atau ditambahkan di luar Salur",
        )
    return VerifyResult(True, count, prev)


# --- digests of detail rows written by bulk jobs --------------------------------------------------------------

_DETAIL_VERIFIERS: dict[str, Any] = {}


def register_detail_digest(object_type: str, fn: Any) -> None:
    """`fn(object_id) -> str` recomputes the digest an entry of `object_type` recorded in detail['digest']."""
    _DETAIL_VERIFIERS[object_type] = fn


def _verify_detail(entry: AuditEntry) -> str:
    fn = _DETAIL_VERIFIERS.get(entry.object_type)
    if fn is None:
        return ""
    detail = json.loads(entry.payload).get("detail") or {}
    digest = detail.get("digest") if isinstance(detail, dict) else None
    if not digest:
        return ""
    if fn(entry.object_id) != digest:
        return "baris rincian yang dilindungi entri ini (riwayat perubahan) telah diubah"
    return ""


def rows_digest(rows: Iterator[tuple[Any, ...]]) -> str:
    """sha256 over rows in a canonical form; JSON values are parsed and re-serialised canonically."""
    digest = hashlib.sha256()
    for row in rows:
        norm = [json.loads(v) if isinstance(v, str) and v[:1] in "{[" else v for v in row]
        digest.update(canonical(norm).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
