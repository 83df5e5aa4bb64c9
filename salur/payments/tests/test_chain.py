"""The money chain on the golden example: create -> budget -> approve -> export -> status -> reconcile -> follow-up
(contract: programs-and-payments.md, cli.md). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from salur.accounts.models import Role
from salur.core.audit import audit_verify
from salur.core.errors import CommandFailed
from salur.core.models import Approval, AuditEntry
from salur.cycles.models import Cycle, CycleStatus
from salur.payments.models import Payment, PaymentBatch, StatusImport
from salur.payments.signing import sign_one

pytestmark = pytest.mark.django_db

CODE = "PKH-2024-T2"
TOTAL = 123_225_000


@pytest.fixture
def people(make_user, admin_user):
    return {
        "maker": admin_user,
        "checker": make_user("checker_pusat", Role.ADMIN_PUSAT, None),
        "verifikator": make_user("verif_pusat", Role.VERIFIKATOR, None),
        "kab": make_user("kab_batang", Role.OPERATOR_DINSOS_KAB, "33.25"),
    }


def run(capsys, name, *args, user=None, **options):
    capsys.readouterr()
    if user is not None:
        options["user"] = user.username
    call_command(name, *args, **options)
    out = capsys.readouterr().out
    return json.loads(out) if options.get("json") else out


@pytest.fixture
def approved(golden_cycle_inputs, people, capsys):
    run(capsys, "cycle_create", program="PKH", period="2024-T2", json=True, user=people["maker"])
    run(capsys, "budget_set", program="PKH", year=2024, amount=200_000_000, json=True, user=people["maker"])
    out = run(capsys, "cycle_approve", CODE, json=True, user=people["checker"])
    assert out["approved"] is True
    assert out["status"] == "disetujui"
    return golden_cycle_inputs


def _snapshot() -> tuple:
    return (
        tuple(Cycle.objects.order_by("pk").values_list("code", "status")),
        Approval.objects.count(),
        Payment.objects.count(),
        PaymentBatch.objects.count(),
        StatusImport.objects.count(),
    )


def test_maker_cannot_approve_and_nothing_changes(golden_cycle_inputs, people, capsys):
    run(capsys, "cycle_create", program="PKH", period="2024-T2", json=True, user=people["maker"])
    run(capsys, "budget_set", program="PKH", year=2024, amount=200_000_000, user=people["maker"])
    before = _snapshot()
    audit_before = AuditEntry.objects.count()
    with pytest.raises(CommandFailed, match="tidak boleh menyetujui"):
        run(capsys, "cycle_approve", CODE, user=people["maker"])
    assert _snapshot() == before
    assert AuditEntry.objects.count() == audit_before


def test_budget_refusal_changes_nothing_and_cancel_releases_the_commitment(
    golden_cycle_inputs, people, capsys, settings
):
    run(capsys, "cycle_create", program="PKH", period="2024-T2", user=people["maker"])
    run(capsys, "cycle_create", program="PKH", period="2024-T3", user=people["maker"])
    t3 = Cycle.objects.get(code="PKH-2024-T3").total
    run(capsys, "budget_set", program="PKH", year=2024, amount=TOTAL + t3 - 1, user=people["maker"])
    run(capsys, "cycle_approve", CODE, user=people["checker"])
    before = _snapshot()
    with pytest.raises(CommandFailed, match="melebihi sisa pagu"):
        run(capsys, "cycle_approve", "PKH-2024-T3", user=people["checker"])
    assert _snapshot() == before
    # Without an allocation for the year there is nothing to check against, unless the setting requires one.
    run(capsys, "cycle_create", program="SEMBAKO", period="2024-05", user=people["maker"])
    run(capsys, "cycle_create", program="SEMBAKO", period="2024-06", user=people["maker"])
    settings.SALUR_REQUIRE_BUDGET = True
    with pytest.raises(CommandFailed, match="melebihi sisa pagu"):
        run(capsys, "cycle_approve", "SEMBAKO-2024-05", user=people["checker"])
    settings.SALUR_REQUIRE_BUDGET = False
    assert (
        run(capsys, "cycle_approve", "SEMBAKO-2024-06", json=True, user=people["checker"])["approved"] is True
    )
    # Cancelling the approved (not yet exported) cycle releases its commitment: T3 now fits.
    run(capsys, "cycle_cancel", CODE, reason="salah periode", user=people["maker"])
    out = run(capsys, "cycle_approve", "PKH-2024-T3", json=True, user=people["checker"])
    assert out["approved"] is True
    from salur.budget.selectors import absorption

    row = next(r for r in absorption(None, 2024) if r["program"] == "PKH")
    assert row["committed"] == t3
    assert row["allocation"] == TOTAL + t3 - 1


def test_tier_needs_a_second_approver_of_the_higher_level(golden_cycle_inputs, people, capsys):
    run(capsys, "cycle_create", program="PKH", period="2024-T2", user=people["maker"])
    run(capsys, "budget_set", program="PKH", year=2024, amount=TOTAL, user=people["maker"])
    run(capsys, "cycle_tier", above=100_000_000, level=2, json=True, user=people["maker"])
    # A level-1 approver: the first approval is recorded, the cycle waits.
    out = run(capsys, "cycle_approve", CODE, json=True, user=people["checker"])
    assert out["approved"] is False
    assert out["needed"] == 2
    # Another level-1 approver cannot be the last one.
    before = _snapshot()
    with pytest.raises(CommandFailed, match="tingkat 2"):
        run(capsys, "cycle_approve", CODE, user=people["verifikator"])
    assert _snapshot() == before
    people["verifikator"].approval_level = 2
    people["verifikator"].save(update_fields=["approval_level"])
    out = run(capsys, "cycle_approve", CODE, json=True, user=people["verifikator"])
    assert out["approved"] is True


def test_export_is_refused_for_an_unapproved_cycle(golden_cycle_inputs, people, capsys, tmp_path):
    run(capsys, "cycle_create", program="PKH", period="2024-T2", user=people["maker"])
    with pytest.raises(CommandFailed, match=r"sudah disetujui"):
        run(capsys, "payments_export", CODE, out=str(tmp_path / "out"), user=people["maker"])
    assert Payment.objects.count() == 0
    assert not (tmp_path / "out").exists()


def test_export_writes_the_contract_files_and_again_byte_identical(approved, people, capsys, tmp_path):
    golden = approved
    out = run(capsys, "payments_export", CODE, out=str(tmp_path / "a"), json=True, user=people["maker"])
    names = sorted(m["file"] for m in out["files"])
    assert all(n.startswith(f"{CODE}_") and n.endswith(".csv") for n in names)
    rows = []
    for m in out["files"]:
        path = tmp_path / "a" / m["file"]
        raw = path.read_bytes()
        manifest = json.loads(path.with_suffix(".json").read_text())
        assert list(manifest) == ["kode_siklus", "saluran", "jumlah_baris", "total_nominal", "sha256"]
        assert manifest["sha256"] == hashlib.sha256(raw).hexdigest()
        frame = pl.read_csv(path, infer_schema=False)
        assert frame.columns == [
            "id_pembayaran", "kode_siklus", "program", "no_kk", "nik_penerima", "nama_penerima",
            "kode_wilayah", "saluran", "bank", "no_rekening", "nominal",
        ]  # fmt: skip
        assert frame["id_pembayaran"].to_list() == sorted(frame["id_pembayaran"].to_list())
        assert set(frame["saluran"]) == {manifest["saluran"]}
        assert manifest["jumlah_baris"] == frame.height
        assert manifest["total_nominal"] == frame["nominal"].cast(pl.Int64).sum()
        rows += frame.select("no_kk", "nominal", "nik_penerima", "saluran").rows()
    expected = pl.read_csv(golden / f"expected_{CODE}_payments.csv", infer_schema=False)
    assert sorted(rows) == sorted(expected.rows())
    assert sum(int(r[1]) for r in rows) == TOTAL
    assert Cycle.objects.get(code=CODE).status == CycleStatus.DIEKSPOR
    # Exporting again: byte-identical files, no new payments.
    count = Payment.objects.count()
    run(capsys, "payments_export", CODE, out=str(tmp_path / "b"), json=True, user=people["maker"])
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert Payment.objects.count() == count
    ok = run(capsys, "payments_verify_file", str(tmp_path / "a" / names[0]), json=True)
    assert ok["ok"] is True
    assert audit_verify().ok
    # Every stored signature is Python's HMAC of its row (PostgreSQL signs in the database), and the audit entry
    # holds the digest of the signatures in id order.
    payments = list(Payment.objects.select_related("cycle").order_by("id_pembayaran"))
    for p in payments:
        assert p.signature == sign_one(
            {
                "id_pembayaran": p.id_pembayaran, "kode_siklus": p.cycle.code, "program": p.program_code,
                "no_kk": p.no_kk, "nik_penerima": p.nik_penerima, "kode_wilayah": p.kode_wilayah,
                "saluran": p.channel, "bank": p.bank, "no_rekening": p.no_rekening, "nominal": p.nominal,
            }
        )  # fmt: skip
    entry = AuditEntry.objects.get(action="payments.batch_create")
    digest = hashlib.sha256("\n".join(p.signature for p in payments).encode()).hexdigest()
    assert json.loads(entry.payload)["detail"]["signatures_sha256"] == digest


def _status_file(path: Path, rows: list[tuple[str, str, str, int, str]]) -> Path:
    lines = ["id_pembayaran,status,tanggal,nominal_dibayar,keterangan"]
    lines += [f"{a},{b},{c},{d},{e}" for a, b, c, d, e in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_status_import_reconcile_and_follow_up(approved, people, capsys, tmp_path):
    run(capsys, "payments_export", CODE, out=str(tmp_path / "out"), user=people["maker"])
    pays = list(Payment.objects.filter(cycle__code=CODE).order_by("id_pembayaran"))
    p0, p1, p2, p3, _p4 = pays[:5]
    status = _status_file(
        tmp_path / "status.csv",
        [
            (p0.id_pembayaran, "DIBAYAR", "2024-05-02", p0.nominal, "ok"),
            (p1.id_pembayaran, "GAGAL", "2024-05-02", 0, "rekening tutup"),
            (p2.id_pembayaran, "TIDAK_DIAMBIL", "2024-05-30", 0, ""),
            (p3.id_pembayaran, "DIBAYAR", "2024-05-02", p3.nominal - 1, "kurang"),  # NOMINAL_BERBEDA
            (p0.id_pembayaran, "GAGAL", "2024-05-03", 0, "ulang"),  # ID_GANDA
            (f"{CODE}-1-9999999999", "DIBAYAR", "2024-05-02", 1, ""),  # ID_TIDAK_DIKENAL
        ],
    )
    with pytest.raises(SystemExit) as exc:
        run(capsys, "payments_import_status", str(status), json=True, user=people["maker"])
    assert exc.value.code == 1
    result = json.loads(capsys.readouterr().out)
    assert result["applied"] == 3
    assert result["problems"] == {"ID_TIDAK_DIKENAL": 1, "NOMINAL_BERBEDA": 1, "ID_GANDA": 1}
    state = list(Payment.objects.order_by("pk").values_list("status", "paid_amount"))
    # The same file again changes nothing.
    again = run(capsys, "payments_import_status", str(status), json=True, user=people["maker"])
    assert again["already_imported"] is True
    assert list(Payment.objects.order_by("pk").values_list("status", "paid_amount")) == state

    rec = run(capsys, "payments_reconcile", CODE, json=True, user=people["maker"])
    assert list(rec) == ["cycle", "payments", "by_status", "by_channel", "problems", "retur_amount"]
    assert rec["payments"]["amount"] == TOTAL
    assert rec["by_status"]["DIBAYAR"] == {"count": 1, "amount": p0.nominal}
    assert rec["by_status"]["GAGAL"] == {"count": 1, "amount": p1.nominal}
    assert rec["by_status"]["TIDAK_DIAMBIL"] == {"count": 1, "amount": p2.nominal}
    assert rec["by_status"]["MENUNGGU"]["count"] == len(pays) - 3
    assert rec["problems"] == {"ID_TIDAK_DIKENAL": 1, "NOMINAL_BERBEDA": 1, "ID_GANDA": 1}
    assert rec["retur_amount"] == p1.nominal + p2.nominal
    assert sum(v["amount"] for v in rec["by_channel"].values()) == TOTAL

    # Follow-up: the failed and the unclaimed payment are re-issued once, after a second person approves.
    made = run(capsys, "payments_followup", CODE, json=True, user=people["maker"])
    assert made["batch"] == 2
    assert made["payments"] == 2
    assert made["total"] == p1.nominal + p2.nominal
    with pytest.raises(CommandFailed, match="tidak boleh menyetujui"):
        run(capsys, "payments_followup", CODE, approve=2, user=people["maker"])
    with pytest.raises(CommandFailed, match="belum disetujui"):
        run(capsys, "payments_followup", CODE, user=people["maker"])
    run(capsys, "payments_followup", CODE, approve=2, user=people["checker"])
    out = run(capsys, "payments_export", CODE, out=str(tmp_path / "out2"), json=True, user=people["maker"])
    susulan = [m for m in out["files"] if m["batch"] == 2]
    assert sum(m["jumlah_baris"] for m in susulan) == 2
    assert all("_susulan2" in m["file"] for m in susulan)
    rec = run(capsys, "payments_reconcile", CODE, json=True, user=people["maker"])
    assert rec["retur_amount"] == 0  # both were paid again
    assert rec["by_status"]["MENUNGGU"]["count"] == len(pays) - 3 + 2
    # A second follow-up finds nothing left to re-issue.
    with pytest.raises(CommandFailed, match="Tidak ada pembayaran"):
        run(capsys, "payments_followup", CODE, user=people["maker"])
    # The follow-up payments fail again: retur counts only the last of each chain.
    new = Payment.objects.filter(batch__number=2).order_by("id_pembayaran")
    status2 = _status_file(
        tmp_path / "status2.csv", [(p.id_pembayaran, "GAGAL", "2024-06-02", 0, "") for p in new]
    )
    run(capsys, "payments_import_status", str(status2), json=True, user=people["maker"])
    rec = run(capsys, "payments_reconcile", CODE, json=True, user=people["maker"])
    assert rec["retur_amount"] == p1.nominal + p2.nominal
    assert audit_verify().ok


def test_a_tampered_file_or_row_is_detected(approved, people, capsys, tmp_path):
    out = run(capsys, "payments_export", CODE, out=str(tmp_path), json=True, user=people["maker"])
    path = tmp_path / out["files"][0]["file"]
    text = path.read_text()
    lines = text.splitlines()
    head, first = lines[0], lines[1].split(",")
    first[-1] = str(int(first[-1]) + 100_000)  # a bigger nominal
    path.write_text("\n".join([head, ",".join(first), *lines[2:]]) + "\n")
    with pytest.raises(SystemExit):
        run(capsys, "payments_verify_file", str(path), json=True)
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["rows_altered"] == 1
    assert {p["kode"] for p in result["problems"]} >= {
        "MANIFEST_TIDAK_COCOK",
        "BERKAS_BERUBAH",
        "BARIS_DIUBAH",
    }
    # A payment row altered in the database after export: its status is refused on import.
    victim = Payment.objects.order_by("id_pembayaran").first()
    Payment.objects.filter(pk=victim.pk).update(no_rekening="9999999999")
    status = _status_file(
        tmp_path / "s.csv", [(victim.id_pembayaran, "DIBAYAR", "2024-05-02", victim.nominal, "")]
    )
    with pytest.raises(SystemExit):
        run(capsys, "payments_import_status", str(status), json=True, user=people["maker"])
    result = json.loads(capsys.readouterr().out)
    assert result["applied"] == 0
    assert result["problems"]["TANDA_TANGAN_TIDAK_SAH"] == 1
    assert Payment.objects.get(pk=victim.pk).status == "MENUNGGU"


def test_roles_without_the_capability_are_refused(approved, people, capsys, tmp_path):
    with pytest.raises(CommandFailed, match="tidak berwenang"):
        run(capsys, "payments_export", CODE, out=str(tmp_path), user=people["kab"])
    with pytest.raises(CommandFailed, match="tidak berwenang"):
        run(capsys, "budget_set", program="PKH", year=2025, amount=1, user=people["kab"])
    assert Payment.objects.count() == 0
