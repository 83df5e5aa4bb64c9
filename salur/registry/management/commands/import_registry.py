import sys
from pathlib import Path

from salur.core.commands import SalurCommand, TerminalProgress
from salur.core.errors import CommandFailed, PermissionDenied, UnreadableFile
from salur.registry.models import Source
from salur.registry.services import import_job_create, import_job_run


class Command(SalurCommand):
    help = "Impor registri dari keluarga.csv dan anggota.csv (kontrak: registry-exchange.md)."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--keluarga", required=True, type=Path)
        parser.add_argument("--anggota", required=True, type=Path)
        parser.add_argument("--rejects", type=Path, default=None, help="berkas CSV penolakan")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            job = import_job_create(
                actor=actor,
                keluarga_path=options["keluarga"].resolve(),
                anggota_path=options["anggota"].resolve(),
                source=Source.CLI,
            )
        except PermissionDenied as exc:
            raise CommandFailed(str(exc)) from exc
        bar = TerminalProgress("impor")
        try:
            summary = import_job_run(
                job=job,
                rejects_path=options["rejects"].resolve() if options["rejects"] else None,
                progress=bar,
            )
        except UnreadableFile as exc:
            raise CommandFailed(str(exc)) from exc
        finally:
            bar.close()
        data = summary.as_dict()
        if options["json"]:
            self.emit_json(data)
        else:
            h, m = data["households"], data["members"]
            self.stdout.write(
                f"Keluarga: {h['read']} dibaca, {h['accepted']} diterima ({h['created']} baru, {h['updated']} diubah),"
                f" {h['rejected']} ditolak.\nAnggota: {m['read']} dibaca, {m['accepted']} diterima"
                f" ({m['created']} baru, {m['updated']} diubah), {m['rejected']} ditolak.\n"
                f"Rincian penolakan: {data['rejects_file']}"
            )
            for w in data["warnings"]:
                self.stderr.write(f"Peringatan: {w}")
        if summary.any_rejected:
            sys.exit(1)
