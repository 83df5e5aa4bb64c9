"""Forms of the enrolment pages: server-side validation, Indonesian messages. The rules of the workflow are the
services'; a form only checks that the input is well formed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from salur.enrolment.models import (
    ChangeKind,
    EnrolmentStatus,
    EnrolmentStep,
    ExitReason,
    VerificationResult,
)
from salur.programs.models import Program


def _programs() -> list[tuple[str, str]]:
    """Read when a form is made (a callable `choices`), so a program added later appears without a restart."""
    return [(p.code, f"{p.code} · {p.nama}") for p in Program.objects.order_by("code")]


def _programs_or_all() -> list[tuple[str, str]]:
    return [("", "Semua program"), *_programs()]


def _programs_or_none() -> list[tuple[str, str]]:
    return [("", "Pilih program"), *_programs()]


class DateInput(forms.DateInput):
    input_type = "date"


class FilterForm(forms.Form):
    program = forms.ChoiceField(label="Program", required=False, choices=_programs_or_all)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Semua status"), *EnrolmentStatus.choices]
    )
    step = forms.ChoiceField(
        label="Tahap", required=False, choices=[("", "Semua tahap"), *EnrolmentStep.choices]
    )
    wilayah = forms.CharField(label="Kode wilayah", required=False, max_length=13)
    no_kk = forms.CharField(label="Nomor KK", required=False, max_length=16)


class ProposeForm(forms.Form):
    no_kk = forms.RegexField(
        label="Nomor KK",
        regex=r"^\d{16}$",
        error_messages={"invalid": "Nomor KK harus tepat 16 angka"},
    )
    program = forms.ChoiceField(label="Program", choices=_programs)
    reason = forms.CharField(
        label="Alasan usulan",
        max_length=300,
        help_text="Mengapa keluarga ini perlu program ini (mis. hasil musdes, kondisi keluarga).",
    )
    notes = forms.CharField(label="Catatan", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(forms.Form):
    result = forms.ChoiceField(
        label="Hasil kunjungan", choices=VerificationResult.choices, widget=forms.RadioSelect
    )
    visit_date = forms.DateField(label="Tanggal kunjungan", widget=DateInput)
    officer = forms.CharField(
        label="Petugas kunjungan", max_length=120, help_text="Nama petugas (Dinsos/TKSK)."
    )
    notes = forms.CharField(
        label="Catatan kunjungan", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_visit_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["visit_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("Tanggal kunjungan tidak boleh di masa depan")
        return value


class DecideForm(forms.Form):
    program = forms.ChoiceField(label="Program", choices=_programs)
    wilayah = forms.CharField(label="Kode wilayah (opsional)", required=False, max_length=13)
    sk_number = forms.CharField(label="Nomor SK", max_length=100)
    sk_date = forms.DateField(label="Tanggal SK", widget=DateInput)
    expected_count = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    notes = forms.CharField(label="Catatan", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_sk_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["sk_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("Tanggal SK tidak boleh di masa depan")
        return value


class DecideListForm(forms.Form):
    """The GET filter of the decision page: which verified list to look at."""

    program = forms.ChoiceField(label="Program", required=False, choices=_programs_or_none)
    wilayah = forms.CharField(label="Kode wilayah (opsional)", required=False, max_length=13)

    def clean_wilayah(self) -> str:
        value = self.cleaned_data["wilayah"].strip().replace(".", "")
        if value and not value.isdigit():
            raise forms.ValidationError("Kode wilayah hanya berisi angka (titik boleh)")
        return value


class StatusChangeForm(forms.Form):
    kind = forms.ChoiceField(label="Perubahan", choices=ChangeKind.choices)
    exit_reason = forms.ChoiceField(
        label="Alasan keluar", required=False, choices=[("", "—"), *ExitReason.choices]
    )
    note = forms.CharField(label="Alasan/catatan", widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ChangeKind.KELUAR and not data.get("exit_reason"):
            self.add_error("exit_reason", "Pilih alasan keluar: alamiah, mandiri atau paksa")
        if data.get("kind") != ChangeKind.KELUAR:
            data["exit_reason"] = ""
        return data


class ResolveForm(forms.Form):
    action = forms.ChoiceField(choices=[("konfirmasi", "Konfirmasi"), ("tolak", "Tolak")])
    note = forms.CharField(label="Catatan", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "tolak" and not (data.get("note") or "").strip():
            self.add_error("note", "Tuliskan alasan penolakan")
        return data
