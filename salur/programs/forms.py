"""Web forms of the program catalogue: editing a program (rules and key parameters), previewing a rule, and
choosing a household to explain. The rules themselves are judged by the service (rules.compile_rule)."""

from __future__ import annotations

from typing import Any

from django import forms

from salur.programs.models import Program, ProgramVersion, Schedule
from salur.programs.reasons import COMPONENT_LABEL

RULE_WIDGET = forms.Textarea(attrs={"rows": 4, "class": "mono", "spellcheck": "false", "autocomplete": "off"})


def _amount(label: str, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, required=required)


class ProgramEditForm(forms.Form):
    """Name, budget line, schedule, the two rules and the parameters the version's config has."""

    nama = forms.CharField(label="Nama program", max_length=200)
    budget_line = forms.CharField(label="Mata anggaran", max_length=200, required=False)
    schedule = forms.ChoiceField(label="Jadwal", choices=Schedule.choices)
    eligibility_rule = forms.CharField(
        label="Aturan kelayakan", widget=RULE_WIDGET, required=False, strip=False
    )
    amount_rule = forms.CharField(label="Rumus nominal", widget=RULE_WIDGET, required=False, strip=False)
    period = forms.CharField(
        label="Periode pratinjau", max_length=10, required=False, help_text="Mis. 2024-T2 atau 2024-05"
    )

    def __init__(self, data: Any = None, *, program: Program, version: ProgramVersion | None):
        config = dict(version.config) if version else {}
        initial = {
            "nama": program.nama,
            "budget_line": program.budget_line,
            "schedule": program.schedule,
            "eligibility_rule": version.eligibility_rule if version else "",
            "amount_rule": version.amount_rule if version else "",
        }
        super().__init__(data, initial=initial)
        self.rule_errors: dict[str, Any] = {}
        self.component_codes: list[str] = []
        if "desil_max" in config:
            self.fields["desil_max"] = _amount("Desil maksimum")
            self.initial["desil_max"] = config["desil_max"]
        if "per_month" in config:
            self.fields["per_month"] = _amount("Nilai per bulan (rupiah)")
            self.initial["per_month"] = config["per_month"]
        if "max_members" in config:
            self.fields["max_members"] = _amount("Paling banyak anggota dihitung per keluarga")
            self.initial["max_members"] = config["max_members"]
        if config.get("kind") == "pkh":
            self.fields["amount_rule"].widget = forms.HiddenInput()
        for comp in config.get("components", []):
            code = comp["code"]
            self.component_codes.append(code)
            label = COMPONENT_LABEL.get(code, code)
            self.fields[f"comp_{code}_yearly"] = _amount(f"{label}: per tahun (rupiah)")
            self.fields[f"comp_{code}_cap"] = _amount(f"{label}: batas per keluarga (kosong = tanpa batas)")
            self.initial[f"comp_{code}_yearly"] = comp["yearly"]
            self.initial[f"comp_{code}_cap"] = comp.get("cap")

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {
            k: data[k] for k in ("nama", "budget_line", "schedule", "eligibility_rule", "amount_rule")
        }
        for name in ("desil_max", "per_month", "max_members"):
            if name in self.fields and data.get(name) is not None:
                out[name] = data[name]
        components = {}
        for code in self.component_codes:
            values: dict[str, Any] = {"cap": data.get(f"comp_{code}_cap")}
            if data.get(f"comp_{code}_yearly") is not None:
                values["yearly"] = data[f"comp_{code}_yearly"]
            components[code] = values
        if components:
            out["components"] = components
        return out

    def component_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": COMPONENT_LABEL.get(code, code),
                "yearly": self[f"comp_{code}_yearly"],
                "cap": self[f"comp_{code}_cap"],
            }
            for code in self.component_codes
        ]


class PreviewForm(forms.Form):
    rule_errors: dict[str, Any]

    eligibility_rule = forms.CharField(label="Aturan kelayakan", widget=RULE_WIDGET, strip=False)
    amount_rule = forms.CharField(label="Rumus nominal", widget=RULE_WIDGET, required=False, strip=False)
    period = forms.CharField(
        label="Periode", max_length=10, required=False, help_text="Mis. 2024-T2 atau 2024-05"
    )


class ExplainForm(forms.Form):
    no_kk = forms.RegexField(
        label="Nomor KK",
        regex=r"^\d{16}$",
        error_messages={"invalid": "Nomor KK berisi 16 angka"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    program = forms.ModelChoiceField(
        label="Program", queryset=Program.objects.all(), to_field_name="code", empty_label=None
    )
    period = forms.CharField(
        label="Periode", max_length=10, required=False, help_text="Mis. 2024-T2 atau 2024-05"
    )
