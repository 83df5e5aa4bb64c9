"""Creating users from the CLI and the demo."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from salur.accounts.models import Role
from salur.core.errors import SalurError
from salur.regions.models import undotted


def user_create(
    *,
    username: str,
    role: str,
    wilayah: str | None,
    password: str | None,
    unit: str | None = None,
    actor: Any = None,
) -> Any:
    User = get_user_model()  # noqa: N806
    if actor is not None:
        from salur.core.access import require

        require(actor, "users.manage")
    if role not in Role.values:
        raise SalurError(f"Peran '{role}' tidak dikenal; pilihan: {', '.join(Role.values)}")
    if User.objects.filter(username=username).exists():
        raise SalurError(f"Pengguna '{username}' sudah ada")
    region_id = None
    if wilayah:
        from salur.regions.models import Region

        region = Region.objects.filter(kode=undotted(wilayah)).first()
        if region is None:
            raise SalurError(f"Kode wilayah '{wilayah}' tidak dikenal")
        region_id = region.kode
    unit_obj = None
    if unit:
        from salur.accounts.models import Unit

        unit_obj = Unit.objects.filter(kode=unit).first()
        if unit_obj is None:
            raise SalurError(f"Unit '{unit}' tidak dikenal")
    user = User(
        username=username, role=role, wilayah_id=region_id, unit=unit_obj, is_staff=role == Role.ADMIN_PUSAT
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise SalurError("Kata sandi lemah: " + " ".join(exc.messages)) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    from salur.core.audit import audit_record

    audit_record(
        actor=actor,
        action="accounts.user.create",
        object_type="accounts.user",
        object_id=user.pk,
        after={"username": user.username, "role": user.role, "wilayah": user.wilayah_id, "unit": unit},
    )
    return user


def unit_ensure(
    *,
    kode: str,
    nama: str,
    kind: str,
    wilayah: str | None = None,
    service_area: list[str] | None = None,
    actor: Any = None,
) -> Any:
    """Create or update an organisation unit (idempotent, for setup and the demo)."""
    from salur.accounts.models import Unit, UnitKind
    from salur.regions.models import Region

    if kind not in UnitKind.values:
        raise SalurError(f"Jenis unit '{kind}' tidak dikenal; pilihan: {', '.join(UnitKind.values)}")
    region = Region.objects.filter(kode=undotted(wilayah)).first() if wilayah else None
    if wilayah and region is None:
        raise SalurError(f"Kode wilayah '{wilayah}' tidak dikenal")
    before = Unit.objects.filter(kode=kode).values("nama", "kind", "wilayah_id").first()
    unit, created = Unit.objects.update_or_create(
        kode=kode, defaults={"nama": nama, "kind": kind, "wilayah": region}
    )
    after = {"nama": unit.nama, "kind": unit.kind, "wilayah_id": unit.wilayah_id}
    if before != after:
        from salur.core.audit import audit_record

        audit_record(
            actor=actor,
            action="accounts.unit.create" if created else "accounts.unit.update",
            object_type="accounts.unit",
            object_id=unit.kode,
            before=before,
            after=after,
            detail={"service_area": service_area},
        )
    if service_area is not None:
        codes = [undotted(c) for c in service_area]
        regions = list(Region.objects.filter(kode__in=codes))
        if len(regions) != len(set(codes)):
            raise SalurError("Ada kode wilayah layanan yang tidak dikenal")
        unit.service_area.set(regions)
    return unit
