"""Forms of the targeting page."""

from __future__ import annotations

from django import forms


class CalibrateForm(forms.Form):
    folds = forms.IntegerField(
        label="Jumlah lipatan validasi silang",
        min_value=2,
        max_value=20,
        initial=5,
        error_messages={
            "required": "Isi jumlah lipatan (2-20).",
            "invalid": "Jumlah lipatan harus bilangan bulat.",
            "min_value": "Jumlah lipatan paling sedikit 2.",
            "max_value": "Jumlah lipatan paling banyak 20.",
        },
    )
    activate = forms.BooleanField(
        label="Aktifkan model hasil kalibrasi sebagai versi baru",
        required=False,
        help_text="Tanpa centang ini hanya laporan yang ditampilkan; tidak ada yang disimpan.",
    )
