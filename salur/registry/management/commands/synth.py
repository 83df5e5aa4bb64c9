"""`salur synth`: write a synthetic registry and its ground truth (contract: cli.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from salur.core.commands import SalurCommand, TerminalProgress
from salur.core.errors import CommandFailed
from salur.registry.batch.synth import resolve_wilayah, synth_registry

_STAGES = {
    1: "rumah tangga",
    2: "anggota",
    3: "tanaman data kotor",
    4: "NIK dan No KK",
    5: "berkas pertukaran",
    6: "menulis CSV",
    7: "daftar rujukan",
    8: "selesai",
}


class Command(SalurCommand):
    help = (
        "Menulis registri sintetis (keluarga.csv, anggota.csv), daftar ASN/TNI-Polri/kematian dan kebenaran "
        "dasarnya (truth.json; dengan --dirty juga masalah yang sengaja ditanam)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--households", type=int, required=True, help="jumlah rumah tangga (KK)")
        parser.add_argument("--seed", type=int, default=1, help="benih acak; benih sama = berkas sama persis")
        parser.add_argument("--out", type=Path, required=True, help="folder tujuan")
        parser.add_argument(
            "--wilayah",
            action="append",
            default=None,
            help="kode provinsi atau kabupaten/kota (mis. 33 atau 33.25); boleh diulang",
        )
        parser.add_argument("--dirty", action="store_true", help="tanam masalah, duplikat dan kemiripan")
        parser.add_argument("--json", action="store_true", help="cetak satu objek JSON di standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        households = options["households"]
        if households < 1:
            raise CommandFailed("--households harus bilangan bulat paling sedikit 1")
        try:
            resolve_wilayah(options["wilayah"])
        except ValueError as exc:
            raise CommandFailed(str(exc)) from exc
        out_dir: Path = options["out"].resolve()
        bar = TerminalProgress("synth")
        try:
            result = synth_registry(
                households=households,
                seed=options["seed"],
                out_dir=out_dir,
                wilayah=options["wilayah"],
                dirty=options["dirty"],
                progress=lambda done, total: bar(done / total, _STAGES.get(done, "")),
            )
        except ValueError as exc:
            raise CommandFailed(str(exc)) from exc
        except OSError as exc:
            raise CommandFailed(f"Tidak dapat menulis ke {out_dir}: {exc.strerror or exc}") from exc
        finally:
            bar.close()
        if options["json"]:
            self.emit_json(result.as_dict())
            return
        self.stdout.write(
            f"Registri sintetis di {result.out_dir}: {result.households} baris keluarga, "
            f"{result.members} baris anggota."
        )
        if result.dirty:
            planted_rejects = sum(result.rejects.values())
            planted_flags = sum(result.flags.values())
            self.stdout.write(
                f"Ditanam: {planted_rejects} masalah penolakan, {planted_flags} tanda, "
                f"{result.duplicates} pasangan duplikat, {result.lookalikes} pasangan mirip "
                "(lihat truth.json)."
            )
        lists = ", ".join(f"{name} {rows}" for name, rows in result.lists.items())
        self.stdout.write(f"Daftar rujukan: {lists}.")
