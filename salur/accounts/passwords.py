"""Password policy beyond Django's validators: letters, digits and a symbol."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                "Kata sandi harus memuat sedikitnya tiga dari: huruf kecil, huruf besar, angka, simbol.",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return "Kata sandi memuat sedikitnya tiga dari: huruf kecil, huruf besar, angka, simbol."
