from django import forms


class PairDecisionForm(forms.Form):
    keputusan = forms.ChoiceField(
        label="Keputusan",
        choices=[("gabung", "Duplikat: gabungkan"), ("tolak", "Bukan duplikat: tolak")],
        widget=forms.RadioSelect,
    )
    simpan = forms.ChoiceField(
        label="Data yang dipertahankan",
        choices=[("a", "Data A (kiri)"), ("b", "Data B (kanan)")],
        initial="a",
        required=False,
        widget=forms.RadioSelect,
    )
    catatan = forms.CharField(label="Catatan", max_length=300, required=False)

    def clean(self):
        data = super().clean() or {}
        if data.get("keputusan") == "gabung" and data.get("simpan") not in ("a", "b"):
            self.add_error("simpan", "Pilih data yang dipertahankan")
        return data


class CandidateDecisionForm(forms.Form):
    keputusan = forms.ChoiceField(
        choices=[("konfirmasi", "Orang yang sama"), ("tolak", "Bukan orang yang sama")]
    )
