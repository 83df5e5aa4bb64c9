from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.targeting.services import pmt_calibrate


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%".replace(".", ",")


class Command(SalurCommand):
    help = (
        "Mengkalibrasi model PMT (OLS dengan validasi silang) pada keluarga yang punya pengeluaran_per_kapita, "
        "dan melaporkan galat inklusi dan eksklusi pada batas desil 4, sebelum dan sesudah."
    )
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--folds", type=int, default=5, help="jumlah lipatan validasi silang (2-20)")
        parser.add_argument(
            "--activate", action="store_true", help="simpan model hasil kalibrasi sebagai versi aktif baru"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            report = pmt_calibrate(actor=actor, folds=options["folds"], activate=options["activate"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        data = report.as_dict()
        if options["json"]:
            self.emit_json(data)
            return
        self.stdout.write(
            f"Sampel survei: {data['sample']} keluarga ({data['folds']} lipatan, {data['features']} fitur)."
        )
        rows = [
            (f"sebelum (model v{report.current.version})", data["before"]),
            ("sesudah (validasi silang)", data["after"]),
            ("sesudah (dalam sampel)", data["after_in_sample"]),
        ]
        for label, m in rows:
            self.stdout.write(
                f"  {label:<32} R2 {m['r2']:.3f}  galat inklusi {_pct(m['inclusion_error'])}"
                f" ({m['included_wrongly']} dari {m['selected']})  galat eksklusi {_pct(m['exclusion_error'])}"
                f" ({m['excluded_wrongly']} dari {m['poor']})"
            )
        if report.activated is not None:
            self.stdout.write(
                f"Model v{report.activated.version} aktif; jalankan `salur targeting score` untuk menerapkannya."
            )
        else:
            self.stdout.write("Tidak ada yang disimpan; pakai --activate untuk mengaktifkan model ini.")
