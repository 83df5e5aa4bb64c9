"""Forms of the public pages. Every value is checked on the server; the browser's checks are only a convenience."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from salur.grievances.models import Category, Relation, SanggahReason
from salur.grievances.services import ATTACHMENT_MAX_BYTES, TEXT_MAX
from salur.portal.selectors import region_choices, region_options_html, region_tree


class NoEchoInput(forms.TextInput):
    """A text input that never writes the submitted value back into the page (used for NIK)."""

    def format_value(self, value: Any) -> None:
        return None


LEVELS = (("prov", "Provinsi"), ("kab", "Kabupaten/Kota"), ("kec", "Kecamatan"), ("desa", "Desa/Kelurahan"))


class RegionPickMixin(forms.Form):
    """Provinsi -> kabupaten/kota -> kecamatan -> desa; each list holds the children of the one above it.

    The page re-renders with the next list when a level changes (a small script submits the form with `_pick`;
    without scripts, the "Tampilkan pilihan" button does the same).
    """

    def add_region_fields(self, data: Any) -> None:
        parent: str | None = None
        chosen: dict[str, str] = {}
        self.region_levels: list[dict[str, Any]] = []
        for name, label in LEVELS:
            has_list = name == "prov" or parent is not None
            choices = region_choices(parent) if has_list else ()
            value = str((data or {}).get(name, "") or "")
            valid = has_list and bool(value) and region_tree().has(value, parent)
            if valid:
                chosen[name] = value
            self.region_levels.append(
                {
                    "name": name,
                    "label": label,
                    "choices": choices,
                    "options": region_options_html(parent, value if valid else "") if has_list else "",
                    "selected": value if valid else "",
                }
            )
            # The lists are rendered by the page itself (fast); the fields carry errors and cleaned values.
            self.fields[name] = forms.CharField(label=label, required=False, max_length=10)
            parent = value if valid else None
        self.chosen_regions = chosen

    def regions_html(self) -> SafeString:
        """The four pickers and the no-script button, written in Python: a template loop with an include per level
        cost about a millisecond more on every lookup (the hottest page under load)."""
        parts = ['<div class="region-grid">']
        for level in self.region_levels:
            name = level["name"]
            disabled = "" if level["choices"] else " disabled"
            errors = ""
            if name == "desa" and self.is_bound and self.errors.get("desa"):
                items = "".join(f"<li>{escape(e)}</li>" for e in self.errors["desa"])
                errors = f'<ul class="errorlist">{items}</ul>'
            parts.append(
                f'<div class="field"><label for="id_{name}">{escape(level["label"])}</label>'
                f'<select name="{name}" id="id_{name}" data-autosubmit="1"{disabled}>'
                f'<option value="">— pilih {escape(level["label"].lower())} —</option>{level["options"]}</select>'
                f"{errors}</div>"
            )
        parts.append(
            '</div><p data-nojs><button type="submit" name="_pick" value="1" class="btn btn-small" formnovalidate>'
            "Tampilkan pilihan wilayah</button></p>"
        )
        return mark_safe("".join(parts))  # noqa: S308 (labels, options and errors escaped)

    def clean_region(self) -> str:
        desa = self.chosen_regions.get("desa", "")
        if not desa:
            raise forms.ValidationError("Pilih provinsi, kabupaten/kota, kecamatan dan desa/kelurahan")
        return desa


class NameLookupForm(RegionPickMixin):
    nama = forms.CharField(label="Nama (sesuai KTP)", max_length=100, required=False)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.add_region_fields(data)
        self.order_fields(["prov", "kab", "kec", "desa", "nama"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["kode_desa"] = self.clean_region()
        return cleaned


class NikLookupForm(forms.Form):
    nik = forms.CharField(
        label="NIK (16 angka)", max_length=16, min_length=16, required=True, widget=NoEchoInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["nik"].widget
        widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{16}"})

    def clean_nik(self) -> str:
        nik = self.cleaned_data["nik"].strip()
        if not nik.isdigit() or len(nik) != 16:
            raise forms.ValidationError("NIK harus tepat 16 angka")
        return nik


class ReporterFields(forms.Form):
    reporter_name = forms.CharField(label="Nama Anda", max_length=100, required=False)
    reporter_contact = forms.CharField(
        label="Nomor HP atau surel (agar petugas bisa menghubungi)", max_length=100, required=False
    )


TEXT_WIDGET = forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX})
ATTACHMENT_ACCEPT = "image/jpeg,image/png,application/pdf"


def attachment_field(label: str = "Lampiran foto/PDF (paling besar 2 MB, boleh kosong)") -> forms.FileField:
    return forms.FileField(
        label=label, required=False, widget=forms.FileInput(attrs={"accept": ATTACHMENT_ACCEPT})
    )


class AttachmentMixin(forms.Form):
    """An optional photo or PDF: size checked here, type by its first bytes in the service."""

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError("Lampiran terlalu besar: paling besar 2 MB")
        return upload


class UsulForm(RegionPickMixin, AttachmentMixin, ReporterFields):
    relation = forms.ChoiceField(label="Yang diusulkan", choices=[("", "— pilih —"), *Relation.choices])
    nama_kepala = forms.CharField(label="Nama kepala keluarga", max_length=100)
    no_kk = forms.CharField(label="Nomor KK (jika ada)", max_length=16, required=False)
    alamat = forms.CharField(label="Alamat (RT/RW, dusun)", max_length=200, required=False)
    jumlah_anggota = forms.IntegerField(
        label="Jumlah anggota keluarga", min_value=1, max_value=30, required=False
    )
    text = forms.CharField(
        label="Mengapa keluarga ini perlu dibantu?", max_length=TEXT_MAX, widget=TEXT_WIDGET
    )
    attachment = attachment_field("Foto rumah atau dokumen, JPG/PNG/PDF paling besar 2 MB (boleh kosong)")

    def __init__(self, data: Any = None, files: Any = None, **kwargs: Any) -> None:
        super().__init__(data, files, **kwargs)
        self.add_region_fields(data)
        self.order_fields(["prov", "kab", "kec", "desa", "relation", "nama_kepala", "no_kk", "alamat"])

    def clean_no_kk(self) -> str:
        value = self.cleaned_data["no_kk"].strip()
        if value and (len(value) != 16 or not value.isdigit()):
            raise forms.ValidationError("Nomor KK harus tepat 16 angka")
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        try:
            cleaned["kode_desa"] = self.clean_region()
        except forms.ValidationError as exc:
            self.add_error("desa", exc)
        return cleaned


class SanggahForm(AttachmentMixin, ReporterFields):
    reason = forms.ChoiceField(label="Alasan", choices=[("", "— pilih —"), *SanggahReason.choices])
    text = forms.CharField(label="Uraian", max_length=TEXT_MAX, widget=TEXT_WIDGET)
    attachment = attachment_field("Bukti foto/PDF, paling besar 2 MB (boleh kosong)")


class PengaduanForm(RegionPickMixin, AttachmentMixin, ReporterFields):
    category = forms.ChoiceField(label="Jenis pengaduan", choices=[("", "— pilih —"), *Category.choices])
    nik = forms.CharField(
        label="NIK penerima (jika pengaduan tentang bantuan keluarga Anda)",
        max_length=16,
        required=False,
        widget=NoEchoInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    about_worker = forms.BooleanField(
        label="Pengaduan ini tentang petugas atau pendamping (mis. pemotongan, kartu ditahan)", required=False
    )
    text = forms.CharField(label="Uraian", max_length=TEXT_MAX, widget=TEXT_WIDGET)
    attachment = attachment_field()

    def __init__(self, data: Any = None, files: Any = None, **kwargs: Any) -> None:
        super().__init__(data, files, **kwargs)
        self.add_region_fields(data)
        self.order_fields(
            ["prov", "kab", "kec", "desa", "category", "nik", "about_worker", "text", "attachment"]
        )

    def clean_nik(self) -> str:
        value = self.cleaned_data["nik"].strip()
        if value and (len(value) != 16 or not value.isdigit()):
            raise forms.ValidationError("NIK harus tepat 16 angka")
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        try:
            cleaned["kode_desa"] = self.clean_region()
        except forms.ValidationError as exc:
            self.add_error("desa", exc)
        return cleaned


class TrackForm(forms.Form):
    no = forms.CharField(label="Nomor lacak", max_length=20)
