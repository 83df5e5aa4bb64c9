"""Creating users from the CLI and the demo."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from salur.accounts.models import Role
from salur.core.errors import SalurError
from salur.regions.models import undotted


def user_create(*, username: str, role: str, wilayah: str | None, password: str | None) -> Any:
    User = get_user_model()  # noqa: N806
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
    user = User(username=username, role=role, wilayah_id=region_id, is_staff=role == Role.ADMIN_PUSAT)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise SalurError("Kata sandi lemah: " + " ".join(exc.messages)) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user
