import sys
from pathlib import Path

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.dataquality.services import reference_list_load


class Command(SalurCommand):
    help = "Memuat daftar rujukan (asn, tni_polri, kematian); versi baru menggantikan yang lama."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--list", required=True, dest="kind", choices=["asn", "tni_polri", "kematian"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            result = reference_list_load(actor=actor, kind=options["kind"], path=options["file"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        if options["json"]:
            self.emit_json(result.as_dict())
        else:
            self.stdout.write(
                f"Daftar {result.kind} versi {result.version}: {result.loaded} dimuat, {result.rejected} ditolak"
                f" (sha256 {result.sha256})."
            )
            for p in result.problems:
                self.stderr.write(f"baris {p['baris']}: {p['kode']}: {p['pesan']} ({p['nik']!r})")
        if result.rejected:
            sys.exit(1)
