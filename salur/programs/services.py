"""Writes of the program catalogue."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from salur.core.access import nik_for, require, scope_prefixes
from salur.core.audit import audit_record
from salur.core.errors import NotFound, SalurError
from salur.programs import rules
from salur.programs.batch import entitlements as e
from salur.programs.batch import inputs
from salur.programs.catalogue import (
    COMPUTABLE_KINDS,
    DEFAULT_CATALOGUE,
    KIND_PKH,
    config_from_dict,
    config_to_dict,
)
from salur.programs.models import Program, ProgramVersion, Schedule
from salur.programs.reasons import COMPONENT_LABEL, RECIPIENT_TEXT, WALK_TEXT, reason_text
from salur.regions.models import Region
from salur.registry.selectors import household_get


def catalogue_load_defaults() -> list[str]:
    """Create each default program, with its version 1, when absent; returns the codes created (idempotent).

    Programs that exist are left alone, whatever an administrator has changed in them.
    """
    created: list[str] = []
    with transaction.atomic():
        for spec in DEFAULT_CATALOGUE:
            program, made = Program.objects.get_or_create(
                code=spec.code,
                defaults={
                    "nama": spec.nama,
                    "benefit_kind": spec.benefit_kind,
                    "unit": spec.unit,
                    "schedule": spec.schedule,
                    "budget_line": spec.budget_line,
                },
            )
            if not program.versions.exists():
                ProgramVersion.objects.create(
                    program=program,
                    version=1,
                    config=spec.config,
                    eligibility_rule=spec.eligibility_rule,
                    amount_rule=spec.amount_rule,
                )
                made = True
            if made:
                created.append(spec.code)
        if created:
            audit_record(
                actor=None,
                action="program.catalogue_load_defaults",
                object_type="programs.program",
                after={"created": created},
            )
    return created


# --- editing the catalogue ------------------------------------------------------------------------------------

# Fields of a program an administrator changes (Program row) and of its versions (rules and parameters).
PROGRAM_FIELDS = ("nama", "budget_line", "schedule")
RULE_FIELDS = ("eligibility_rule", "amount_rule")
PARAM_FIELDS = ("desil_max", "per_month", "max_members")  # plus components: {code: {"yearly", "cap"}}


class VersionInvalid(SalurError):
    """A change that cannot be saved: `errors` maps a field to its Indonesian message; a rule that does not
    compile also carries its `RuleError` (position) in `rule_errors`."""

    def __init__(self, errors: dict[str, str], rule_errors: dict[str, rules.RuleError] | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.rule_errors = rule_errors or {}


def _merged_config(
    config: dict[str, Any], changes: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    new = copy.deepcopy(config)
    for name in PARAM_FIELDS:
        if name in changes and changes[name] is not None and name in new:
            value = changes[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors[name] = "Harus bilangan bulat tidak negatif"
                continue
            new[name] = value
    for code, values in (changes.get("components") or {}).items():
        match = [c for c in new.get("components", []) if c["code"] == code]
        if not match:
            errors[f"components.{code}"] = f"Komponen {code} tidak dikenal"
            continue
        for key in ("yearly", "cap"):
            if key not in values:
                continue
            value = values[key]
            if value is None and key == "cap":
                match[0]["cap"] = None
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors[f"components.{code}.{key}"] = "Harus bilangan bulat tidak negatif"
            else:
                match[0][key] = value
    return new


def _check_rules(
    program: Program, config: dict[str, Any], eligibility_rule: str, amount_rule: str, errors: dict[str, str]
) -> dict[str, rules.RuleError]:
    rule_errors: dict[str, rules.RuleError] = {}
    kind = config.get("kind")
    computable = kind in COMPUTABLE_KINDS
    compiled: dict[str, rules.CompiledRule] = {}
    for field, text, rule_kind in (
        ("eligibility_rule", eligibility_rule, "eligibility"),
        ("amount_rule", amount_rule, "amount"),
    ):
        if not text.strip():
            continue
        try:
            compiled[field] = rules.compile_rule(text, rule_kind)
        except rules.RuleError as exc:
            rule_errors[field] = exc
            errors[field] = exc.message
    if computable and not eligibility_rule.strip():
        errors["eligibility_rule"] = "Aturan kelayakan wajib diisi untuk program ini"
    if kind == KIND_PKH and amount_rule.strip():
        errors["amount_rule"] = "Nominal PKH dihitung dari komponen; kosongkan rumus nominal"
    if computable and "eligibility_rule" in compiled and "desil_max" in config:
        try:
            plan = e.RulePlan.of(eligibility_rule, config_from_dict(config))
        except ValueError as exc:
            errors["config"] = str(exc)
        else:
            if plan.desil_max is not None and plan.desil_max != config["desil_max"]:
                errors["desil_max"] = (
                    f"Batas desil pada aturan kelayakan ({plan.desil_max}) berbeda dengan parameter desil "
                    f"maksimum ({config['desil_max']}); samakan keduanya"
                )
    return rule_errors


def _version_dict(version: ProgramVersion | None) -> dict[str, Any]:
    if version is None:
        return {}
    return {
        "version": version.version,
        "eligibility_rule": version.eligibility_rule,
        "amount_rule": version.amount_rule,
        "config": version.config,
    }


def program_version_create(*, actor: Any, program: Program, changes: Mapping[str, Any]) -> ProgramVersion:
    """Save an administrator's change of a program: a NEW version with the rules and parameters (old versions are
    never changed; a cycle keeps pointing at the one it used), and the program's name, budget line and schedule.

    `changes` may hold any of PROGRAM_FIELDS, RULE_FIELDS, PARAM_FIELDS and `components` ({code: {"yearly": n,
    "cap": n or None}}); what is absent stays. Raises PermissionDenied, VersionInvalid (with the rule's position),
    SalurError when nothing changes. Audited with before and after.
    """
    require(actor, "program.edit")
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        current = program.current_version()
        base_config = dict(current.config) if current else {}
        errors: dict[str, str] = {}
        config = _merged_config(base_config, changes, errors)
        eligibility_rule = str(
            changes.get("eligibility_rule", current.eligibility_rule if current else "") or ""
        )
        amount_rule = str(changes.get("amount_rule", current.amount_rule if current else "") or "")
        program_values = {
            f: str(changes[f]).strip() for f in PROGRAM_FIELDS if f in changes and changes[f] is not None
        }
        if "nama" in program_values and not program_values["nama"]:
            errors["nama"] = "Nama program wajib diisi"
        if "schedule" in program_values and program_values["schedule"] not in Schedule.values:
            errors["schedule"] = "Jadwal harus bulanan atau per tahap"
        if program_values.get("schedule") == Schedule.MONTHLY and config.get("kind") == KIND_PKH:
            errors["schedule"] = "PKH dibayar per tahap (4 kali setahun)"
        rule_errors = _check_rules(program, config, eligibility_rule, amount_rule, errors)
        if not errors and config.get("kind") in COMPUTABLE_KINDS:
            try:
                config = config_to_dict(config_from_dict(config))
            except (TypeError, ValueError) as exc:
                errors["config"] = str(exc)
        if errors:
            raise VersionInvalid(errors, rule_errors)
        before_program = {f: getattr(program, f) for f in PROGRAM_FIELDS}
        after_program = {**before_program, **program_values}
        rules_changed = current is None or (
            config != current.config
            or eligibility_rule != current.eligibility_rule
            or amount_rule != current.amount_rule
        )
        if not rules_changed and after_program == before_program:
            raise SalurError("Tidak ada perubahan untuk disimpan")
        if after_program != before_program:
            for f, v in program_values.items():
                setattr(program, f, v)
            program.save(update_fields=list(program_values))
        version = current
        if rules_changed:
            version = ProgramVersion.objects.create(
                program=program,
                version=(current.version + 1) if current else 1,
                config=config,
                eligibility_rule=eligibility_rule,
                amount_rule=amount_rule,
                created_by=actor,
            )
        assert version is not None
        audit_record(
            actor=actor,
            action="program.version_create" if rules_changed else "program.update",
            object_type="programs.program",
            object_id=program.code,
            before={**before_program, **_version_dict(current)},
            after={**after_program, **_version_dict(version)},
        )
    return version


# --- preview and explanation ----------------------------------------------------------------------------------


def current_period(program: Program, today: dt.date | None = None) -> str:
    """The period a cycle of `program` would have today: its tahap or its month."""
    today = today or timezone.localdate()
    if program.schedule == Schedule.QUARTERLY:
        return f"{today.year}-T{(today.month - 1) // 3 + 1}"
    return f"{today.year}-{today.month:02d}"


def _config_for(program: Program, version: ProgramVersion | None) -> e.ProgramConfig:
    """The computation of a version; programs without one (in kind, services) are decided as a flat program
    without an amount, so that their eligibility rule can still be previewed."""
    data = version.config if version else {}
    if data.get("kind") in COMPUTABLE_KINDS:
        return config_from_dict(data)
    return e.FlatConfig(code=program.code, per_month=0)


def _parse_period(program: Program, config: e.ProgramConfig, period: str | None) -> e.Period:
    text = period or current_period(program)
    try:
        parsed = e.parse_period(text)
    except ValueError as exc:
        raise SalurError(str(exc)) from exc
    if isinstance(config, e.PKHConfig) and parsed.kind != "tahap":
        raise SalurError(f"Program {program.code} dibayar per tahap: tulis periode seperti 2024-T2")
    return parsed


def _region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(kode__in=codes).values_list("kode", "nama"))


def rule_preview(
    *,
    actor: Any,
    program: Program,
    eligibility_rule: str,
    amount_rule: str | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    """How many households of the actor's region the rules would select, per provinsi and kabupaten/kota, beside
    what the program's current version selects: set-based over the registry (Polars), nothing saved.

    Raises PermissionDenied, rules.RuleError (position), SalurError (bad period).
    """
    require(actor, "program.view")
    version = program.current_version()
    config = _config_for(program, version)
    parsed = _parse_period(program, config, period)
    amount_rule = amount_rule or None
    if isinstance(config, e.PKHConfig):
        amount_rule = None
    rules.compile_rule(eligibility_rule, "eligibility")  # a RuleError before reading anything
    if amount_rule:
        rules.compile_rule(amount_rule, "amount")
    current_rule = version.eligibility_rule if version and version.eligibility_rule.strip() else None
    current_amount = (
        (version.amount_rule or None) if version and not isinstance(config, e.PKHConfig) else None
    )
    h_extra: set[str] = set()
    m_extra: set[str] = set()
    for text, kind in (
        (eligibility_rule, "eligibility"),
        (amount_rule, "amount"),
        (current_rule, "eligibility"),
        (current_amount, "amount"),
    ):
        if text:
            h, m = e.rule_columns(text if kind == "eligibility" else None, text if kind == "amount" else None)
            h_extra |= set(h)
            m_extra |= set(m)
    prefixes = scope_prefixes(actor)
    households, members = inputs.read_registry(
        prefixes=prefixes, household_columns=h_extra, member_columns=m_extra
    )
    lists = inputs.active_lists()
    proposed = e.compute(
        households,
        members,
        config=config,
        period=parsed,
        lists=lists,
        eligibility_rule=eligibility_rule,
        amount_rule=amount_rule,
    )
    frames = [
        proposed.decisions.select(
            pl.col("kode_wilayah").str.slice(0, 2).alias("provinsi"),
            pl.col("kode_wilayah").str.slice(0, 4).alias("kabupaten"),
            pl.col("eligible").alias("dipilih"),
            pl.col("nominal"),
        )
    ]
    if current_rule:
        now = e.compute(
            households,
            members,
            config=config,
            period=parsed,
            lists=lists,
            eligibility_rule=current_rule,
            amount_rule=current_amount,
        )
        frames[0] = frames[0].with_columns(now.decisions["eligible"].alias("dipilih_sekarang"))
    else:
        frames[0] = frames[0].with_columns(pl.lit(None, dtype=pl.Boolean).alias("dipilih_sekarang"))
    d = frames[0]
    aggs = [
        pl.len().alias("keluarga"),
        pl.col("dipilih").sum().alias("dipilih"),
        pl.col("nominal").sum().alias("nominal"),
        pl.col("dipilih_sekarang").sum().alias("dipilih_sekarang"),
    ]
    by_kab = d.group_by("provinsi", "kabupaten").agg(aggs).sort("kabupaten")
    by_prov = d.group_by("provinsi").agg(aggs).sort("provinsi")
    names = _region_names(by_prov["provinsi"].to_list() + by_kab["kabupaten"].to_list())

    def rows(frame: pl.DataFrame, key: str) -> list[dict[str, Any]]:
        return [
            {
                "kode": r[key],
                "nama": names.get(r[key], ""),
                "provinsi": r["provinsi"],
                "keluarga": int(r["keluarga"]),
                "dipilih": int(r["dipilih"]),
                "dipilih_sekarang": int(r["dipilih_sekarang"]) if current_rule else None,
                "nominal": int(r["nominal"]),
            }
            for r in frame.iter_rows(named=True)
        ]

    return {
        "program": program.code,
        "program_version": version.version if version else None,
        "period": parsed.code,
        "scope": list(prefixes),
        "eligibility_rule": eligibility_rule,
        "amount_rule": amount_rule or "",
        "households": d.height,
        "selected": int(d["dipilih"].sum()),
        "selected_now": int(d["dipilih_sekarang"].sum()) if current_rule else None,
        "total": int(d["nominal"].sum()),
        "not_eligible": proposed.summary["not_eligible"],
        "provinsi": rows(by_prov, "provinsi"),
        "kabupaten": rows(by_kab, "kabupaten"),
    }


def _members_for_rules(members: pl.DataFrame, lists: e.ReferenceLists) -> pl.DataFrame:
    nik_int = pl.col("nik").str.strip_chars().cast(pl.Int64, strict=False)
    return members.with_columns(
        nik_int.is_in(lists.kematian.implode()).fill_null(False).alias("meninggal"),
        nik_int.is_in(lists.asn.implode()).fill_null(False).alias("asn_list"),
        nik_int.is_in(lists.tni_polri.implode()).fill_null(False).alias("tni_polri_list"),
    )


def _conditions(
    rule_text: str, households: pl.DataFrame, members: pl.DataFrame, context: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each top-level condition of the rule: its text, whether it holds, the values behind it, the reason."""
    compiled = rules.compile_rule(rule_text, "eligibility")
    household = households.row(0, named=True)
    out = []
    for conjunct in compiled.conjuncts():
        part = rules.compile_rule(conjunct.text, "eligibility")
        holds = bool(part.evaluate(households, members, context)["eligible"][0])
        items = part.explain(household, members, context)
        reason = None
        if not holds:
            reason = e.rule_reason(conjunct)
            if reason == e.DESIL_DI_ATAS_BATAS and household.get("desil") is None:
                reason = e.TANPA_DESIL
        out.append(
            {
                "condition": conjunct.text,
                "holds": holds,
                "values": "; ".join(dict.fromkeys(i.values for i in items if i.values)),
                "parts": [{"condition": i.condition, "values": i.values, "holds": i.truth} for i in items]
                if len(items) > 1
                else [],
                "reason": reason,
                "reason_text": reason_text(reason) if reason else "",
            }
        )
    return out


def _recipient_why(member: dict[str, Any] | None, order: tuple[str, ...]) -> str:
    if member is None:
        return "tidak ada anggota hidup"
    for rule in order:
        if (
            rule == e.PASANGAN_PEREMPUAN
            and member["hubungan"] == "pasangan"
            and member["jenis_kelamin"] == "P"
        ):
            return RECIPIENT_TEXT[rule]
        if rule == e.KEPALA_KELUARGA and member["hubungan"] == "kepala_keluarga":
            return RECIPIENT_TEXT[rule]
        if rule == e.TERTUA:
            return RECIPIENT_TEXT[rule]
    return ""


def _stored(actor: Any, program: Program, household: Any, period: str) -> dict[str, Any] | None:
    from salur.cycles.models import Cycle, Entitlement

    cycle = Cycle.objects.filter(program=program, period=period).select_related("program_version").first()
    if cycle is None:
        return None
    ent = Entitlement.objects.filter(cycle=cycle, household=household).prefetch_related("components").first()
    if ent is None:
        return {"cycle": cycle.code, "program_version": cycle.program_version.version, "found": False}
    return {
        "cycle": cycle.code,
        "program_version": cycle.program_version.version,
        "created_at": cycle.created_at,
        "found": True,
        "eligible": ent.eligible,
        "reasons": [{"code": r, "text": reason_text(r)} for r in ent.reason_list],
        "nominal": ent.nominal,
        "channel": ent.channel,
        "nik_penerima": nik_for(actor, ent.nik_penerima) if ent.nik_penerima else "",
        "nama_penerima": ent.nama_penerima,
        "components": [
            {
                "nik": nik_for(actor, c.nik),
                "component": c.component,
                "label": COMPONENT_LABEL.get(c.component, c.component),
                "per_period": c.amount,
            }
            for c in ent.components.all()
        ],
    }


def explain_household(
    *, actor: Any, no_kk: str, program: Program, period: str | None = None
) -> dict[str, Any]:
    """Why a household is or is not eligible for a program in a period, computed now from its current data by the
    same computation as a cycle, with every reason and the values behind it; beside it the decision stored by
    the cycle of that period when one exists. NIKs as the actor may see them.

    Raises PermissionDenied, NotFound (no such household in the actor's region), SalurError.
    """
    require(actor, "program.explain")
    household = household_get(actor=actor, no_kk=no_kk)
    if household is None:
        raise NotFound("Keluarga dengan nomor KK ini tidak ditemukan di wilayah Anda")
    version = program.current_version()
    config = _config_for(program, version)
    rule_text = version.eligibility_rule.strip() if version else ""
    computable = bool(version and version.config.get("kind") in COMPUTABLE_KINDS)
    if not computable and not rule_text:
        raise SalurError(
            f"Program {program.code} diputuskan kasus per kasus; tidak ada aturan untuk dijelaskan"
        )
    parsed = _parse_period(program, config, period)
    amount_rule = (version.amount_rule or None) if version and not isinstance(config, e.PKHConfig) else None
    frames = inputs.read_frames(no_kk=no_kk, eligibility_rule=rule_text or None, amount_rule=amount_rule)
    result = e.compute(
        frames.households,
        frames.members,
        config=config,
        period=parsed,
        lists=frames.lists,
        eligibility_rule=rule_text or None,
        amount_rule=amount_rule,
    )
    row = result.decisions.row(0, named=True)
    context = e.rule_context(parsed)
    members = _members_for_rules(frames.members, frames.lists)
    explained_rule = rule_text or rules.with_default_exclusion(f"desil <= {config.desil_max}")
    conditions = _conditions(explained_rule, frames.households, members, context)

    ages = members.select("nik", e.age_at(pl.col("tanggal_lahir"), parsed.reference_date).alias("umur"))
    umur = dict(ages.rows())
    entries = inputs.list_entries(members["nik"].to_list())
    on_lists: dict[str, list[str]] = {}
    for entry in entries:
        on_lists.setdefault(entry["nik"], []).append(entry["label"])
    names = dict(members.select("nik", "nama").rows())
    member_rows = [
        {
            "nik": nik_for(actor, m["nik"]),
            "nama": m["nama"],
            "hubungan": m["hubungan"],
            "jenis_kelamin": m["jenis_kelamin"],
            "umur": umur.get(m["nik"]),
            "pekerjaan": m["pekerjaan"],
            "sekolah": m["sekolah"],
            "disabilitas": m["disabilitas"],
            "hamil": m["hamil"],
            "meninggal": m["meninggal"],
            "daftar": on_lists.get(m["nik"], []),
        }
        for m in members.iter_rows(named=True)
    ]
    list_matches = [
        {
            **{k: v for k, v in entry.items() if k != "nik"},
            "nik": nik_for(actor, entry["nik"]),
            "nama": names.get(entry["nik"], ""),
            "text": (
                f"{names.get(entry['nik'], '')} (NIK {nik_for(actor, entry['nik'])}) tercatat dalam daftar "
                f"{entry['label']} versi {entry['version']} yang dimuat "
                f"{timezone.localtime(entry['loaded_at']).date().isoformat() if entry['loaded_at'] else '-'} "
                f"(berkas {entry['file_name']}, sha256 {entry['sha256']})"
            ),
        }
        for entry in entries
    ]
    components = None
    if isinstance(config, e.PKHConfig):
        walk = e.explain_walk(
            frames.households, frames.members, config=config, period=parsed, lists=frames.lists
        )
        components = [
            {
                "nik": nik_for(actor, w["nik"]),
                "nama": w["nama"],
                "umur": w["age"],
                "component": w["component"],
                "label": COMPONENT_LABEL.get(w["component"], w["component"]),
                "per_period": w["per_period"],
                "taken": w["status"] == e.TAKEN,
                "status": w["status"],
                "why": WALK_TEXT[w["status"]],
            }
            for w in walk
        ]
    recipient_member = next(
        (m for m in members.iter_rows(named=True) if m["nik"] == row["nik_penerima"]), None
    )
    return {
        "no_kk": household.no_kk,
        "kode_wilayah": household.wilayah_id,
        "program": program.code,
        "program_nama": program.nama,
        "program_version": version.version if version else None,
        "period": parsed.code,
        "tanggal_acuan": parsed.reference_date,
        "eligibility_rule": explained_rule,
        "amount_rule": amount_rule or "",
        "eligible": bool(row["eligible"]),
        "nominal": int(row["nominal"]),
        "reasons": [{"code": r, "text": reason_text(r)} for r in row["reasons"]],
        "conditions": conditions,
        "members": member_rows,
        "list_matches": list_matches,
        "components": components,
        "recipient": {
            "nik": nik_for(actor, row["nik_penerima"]) if row["nik_penerima"] else "",
            "nama": row["nama_penerima"] or "",
            "why": _recipient_why(recipient_member, config.recipient),
        },
        "channel": row["channel"],
        "stored": _stored(actor, program, household, parsed.code),
    }
