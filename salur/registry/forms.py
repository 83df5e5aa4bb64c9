"""Web forms of the registry.

The household and member forms only collect strings: every rule of the exchange format (required values, allowed
values, formats, dates, bank and account) is judged by the service, through the same validator as the bulk import
(contract: registry-exchange.md). A form never rejects what the import would accept, nor accepts what it would
reject; the service's messages are put back on the matching fields by the view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salur.registry import schema
from salur.registry.schema import Column

# 1 GiB unless the deployment sets SALUR_MAX_UPLOAD_BYTES.
DEFAULT_MAX_UPLOAD_BYTES = 1024**3

EMPTY_CHOICE = ("", "—")
BINARY_LABELS = {"0": "tidak", "1": "ya"}


def _choices(col: Column) -> list[tuple[str, str]]:
    if col.allowed == schema.BINARY:
        pairs = [(v, BINARY_LABELS[v]) for v in col.allowed]
    elif col.name == "daya_listrik_va":
        pairs = [(v, f"{v} VA" if v != "3500" else "3500 VA atau lebih") for v in col.allowed]
        pairs[0] = ("0", "0 (tanpa meteran PLN)")
    else:
        pairs = schema.choices(col.allowed)
    return [EMPTY_CHOICE, *pairs]


def _field_for(col: Column) -> forms.Field:
    """A text field that accepts any string; only the widget differs (select, date, number keyboard)."""
    label = col.label or col.name
    widget: forms.Widget
    if col.kind in ("enum", "bank"):
        widget = forms.Select(choices=_choices(col))
    elif col.kind == "date":
        widget = forms.DateInput(attrs={"type": "date"})
    elif col.kind in ("kk", "nik", "digits", "rekening", "wilayah"):
        widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    elif col.kind in ("decimal", "int"):
        widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    else:
        widget = forms.TextInput()
    help_text: Any = ""
    if col.kind == "wilayah":
        help_text = _("10 angka kode desa/kelurahan Kemendagri 2025, tanpa titik")
    elif col.name == "desil":
        help_text = _("Kosongkan bila tidak ada dari DTSEN: Salur menghitungnya dengan model PMT")
    elif col.name == "luas_lantai_m2":
        help_text = _("Titik sebagai pemisah desimal, misalnya 36.5")
    # required=False: a missing required value is reported by the service ("... wajib diisi"), like the import.
    return forms.CharField(label=label, required=False, strip=True, widget=widget, help_text=help_text)


class ExchangeRowForm(forms.Form):
    """A form whose fields are columns of the exchange format, in the contract's order."""

    columns: tuple[Column, ...] = ()
    excluded: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for col in self.columns:
            if col.name not in self.excluded:
                self.fields[col.name] = _field_for(col)

    def exchange_data(self) -> dict[str, str]:
        """The submitted values as the exchange format's strings (empty = missing), for the service."""
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        """Put the service's messages on the matching fields; others (e.g. no_kk on a member) on the form."""
        for name, messages in problems.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)

    def required_names(self) -> set[str]:
        """Names marked as required on the page (the service still judges them)."""
        return {c.name for c in self.columns if c.required}


class HouseholdForm(ExchangeRowForm):
    columns = schema.KELUARGA_COLUMNS

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        # Editing keeps the household's key: no_kk is not a field then.
        self.excluded = ("no_kk",) if editing else ()
        super().__init__(*args, **kwargs)

    # Groups of fields for the page layout (names that are not in the form are skipped by the template).
    groups = (
        (_("Identitas dan alamat"), ("no_kk", "kode_wilayah", "alamat", "rt", "rw", "tanggal_pendataan")),
        (
            _("Kondisi rumah"),
            (
                "luas_lantai_m2",
                "jenis_lantai",
                "jenis_dinding",
                "jenis_atap",
                "sumber_air_minum",
                "sumber_penerangan",
                "daya_listrik_va",
                "bahan_bakar_memasak",
                "fasilitas_bab",
                "status_rumah",
            ),
        ),
        (_("Aset"), schema.ASET),
        (_("Rekening KKS dan kesejahteraan"), ("bank", "no_rekening", "desil", "pengeluaran_per_kapita")),
    )

    def grouped(self) -> list[tuple[str | Promise, list[forms.BoundField]]]:
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in self.groups]


class MemberForm(ExchangeRowForm):
    """A member of a given household: no_kk comes from the page, never from the form."""

    columns = schema.ANGGOTA_COLUMNS

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        # Editing keeps the member's key: nik is not a field then.
        self.excluded = ("no_kk", "nik") if editing else ("no_kk",)
        super().__init__(*args, **kwargs)

    def grouped(self) -> list[tuple[str | Promise, list[forms.BoundField]]]:
        return [("", [self[n] for n in self.fields])]


def max_upload_bytes() -> int:
    return int(getattr(settings, "SALUR_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class CsvFileField(forms.FileField):
    """A .csv upload within the size limit. The content is judged by the import, not here."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Pilih berkas CSV."),
                "empty": _("Berkas kosong."),
                "invalid": _("Berkas tidak terbaca."),
            },
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> UploadedFile:
        upload: UploadedFile = super().clean(data, initial)
        if Path(upload.name or "").suffix.lower() != ".csv":
            raise forms.ValidationError(
                _("Berkas %(name)s bukan berkas .csv."), code="extension", params={"name": upload.name}
            )
        limit = max_upload_bytes()
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("Berkas %(name)s terlalu besar (%(size)s); paling besar %(limit)s."),
                code="size",
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        return upload


class ImportUploadForm(forms.Form):
    keluarga = CsvFileField(label=_("Berkas keluarga (keluarga.csv)"))
    anggota = CsvFileField(label=_("Berkas anggota (anggota.csv)"))


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("NIK, nomor KK, atau nama"), "type": "search", "autofocus": True}
        ),
    )
    wilayah = forms.CharField(
        label=_("Kode wilayah"),
        required=False,
        max_length=13,
        widget=forms.TextInput(attrs={"placeholder": _("mis. 32.12 atau 3212"), "inputmode": "numeric"}),
    )
    flag = forms.ChoiceField(
        label=_("Tanda"),
        required=False,
        choices=[("", _("Semua")), *((c, c) for c in schema.FLAG_CODES)],
    )
