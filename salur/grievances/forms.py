"""Staff forms of the grievance queue."""

from __future__ import annotations

from typing import Any

from django import forms

from salur.grievances.models import Category, Channel, Status, SubmissionKind, SubmissionStatus
from salur.grievances.services import TEXT_MAX


class QueueFilterForm(forms.Form):
    mine = forms.ChoiceField(
        label="Antrean",
        required=False,
        choices=[
            ("unit", "Unit saya"),
            ("saya", "Ditugaskan kepada saya"),
            ("semua", "Semua di wilayah saya"),
        ],
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("terbuka", "Terbuka"), ("", "Semua"), *Status.choices]
    )
    category = forms.ChoiceField(label="Kategori", required=False, choices=[("", "Semua"), *Category.choices])
    overdue = forms.BooleanField(label="Hanya yang lewat batas waktu", required=False)
    wilayah = forms.RegexField(label="Kode wilayah", required=False, regex=r"^[0-9.]{2,13}$", max_length=13)
    q = forms.CharField(label="Nomor lacak", required=False, max_length=20)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label="Tugaskan kepada", required=True)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "— pilih petugas —")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in users
        ]


class ResolveForm(forms.Form):
    status = forms.ChoiceField(
        label="Hasil", choices=[(Status.SELESAI, "Selesai"), (Status.DITOLAK, "Ditolak")]
    )
    resolution = forms.CharField(
        label="Catatan penyelesaian (dibaca pelapor)",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX}),
    )


class IntakeForm(forms.Form):
    """A complaint taken down at an SLRT/Puskesos desk, by phone or by a pendamping."""

    channel = forms.ChoiceField(
        label="Saluran",
        choices=[(c, label) for c, label in Channel.choices if c in ("slrt", "telepon", "pendamping")],
    )
    category = forms.ChoiceField(label="Kategori", choices=Category.choices)
    kode_wilayah = forms.RegexField(label="Kode desa/kelurahan", regex=r"^[0-9.]{10,13}$", max_length=13)
    no_kk = forms.RegexField(label="Nomor KK (jika ada)", regex=r"^\d{16}$", required=False, max_length=16)
    named_worker = forms.CharField(
        label="Nama pengguna petugas yang diadukan (jika ada)", required=False, max_length=150
    )
    reporter_name = forms.CharField(label="Nama pelapor", required=False, max_length=100)
    reporter_contact = forms.CharField(label="Kontak pelapor", required=False, max_length=100)
    text = forms.CharField(label="Uraian", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))


class DecideForm(forms.Form):
    status = forms.ChoiceField(
        label="Keputusan",
        choices=[
            (SubmissionStatus.VERIFIKASI, "Sedang diverifikasi"),
            (SubmissionStatus.DISETUJUI, "Disetujui"),
            (SubmissionStatus.DITOLAK, "Ditolak"),
        ],
    )
    outcome = forms.CharField(
        label="Hasil verifikasi (dibaca pengusul)",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecideUsulForm(DecideForm):
    """An usul approved becomes an usulan in enrolment: the program and the household's KK number in the registry."""

    program = forms.ChoiceField(label="Usulkan ke program (jika disetujui)", required=False)
    no_kk = forms.RegexField(
        label="Nomor KK di registri (jika disetujui)", regex=r"^\d{16}$", required=False, max_length=16
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from salur.programs.models import Program

        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "— pilih program —")] + [
            (code, f"{code} · {nama}")
            for code, nama in Program.objects.order_by("code").values_list("code", "nama")
        ]


class SubmissionFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Jenis", required=False, choices=[("", "Semua"), *SubmissionKind.choices])
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("terbuka", "Terbuka"), ("", "Semua"), *SubmissionStatus.choices],
    )
