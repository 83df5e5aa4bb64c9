"""The BAST (Berita Acara Serah Terima) of a distribution event as a PDF (reportlab).

Deterministic: reportlab's invariant mode fixes the creation date and document id, and the content comes only from
the database in a fixed order, so the same event gives the same bytes (its sha256 goes into the audit trail).
NIK are masked on the document (UU PDP 27/2022): a BAST is signed, copied and filed.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from salur.core.access import mask_nik
from salur.distribution.models import DistributionEvent
from salur.distribution.selectors import CLUSTERS, event_recap, event_recipients

BULAN = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip


def rupiah(value: int) -> str:
    return "Rp" + f"{value:,}".replace(",", ".")


def tanggal_id(day: Any) -> str:
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


def _mark(recipient: Any) -> str:
    handover = getattr(recipient, "handover", None)
    if handover is None:
        return "belum dicatat"
    if not handover.received:
        return "tidak diterima"
    return "tanda tangan" if handover.mark == "tanda_tangan" else "cap jempol"


def bast_pdf(event: DistributionEvent) -> bytes:
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=14, leading=17)
    center = ParagraphStyle("center", parent=styles["Normal"], alignment=1)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"BAST kegiatan {event.pk}",
        author=event.organiser.nama,
        creator="Salur",
        producer="Salur",
        subject=event.judul,
    )
    recap = event_recap(event)
    programs = ", ".join(sorted(p.code for p in event.programs.all()))
    story: list[Any] = [
        Paragraph(f"{event.organiser.nama.upper()}", center),
        Paragraph("BERITA ACARA SERAH TERIMA BANTUAN", title),
        Paragraph(f"Nomor: BAST/{event.organiser.kode.upper()}/{event.tanggal:%Y}/{event.pk:05d}", center),
        Spacer(1, 5 * mm),
        Paragraph(
            f"Pada tanggal {tanggal_id(event.tanggal)}, bertempat di {event.tempat or event.wilayah.nama} "
            f"(kode wilayah {event.wilayah.kode_bertitik}, {event.wilayah.nama}), telah diserahterimakan bantuan "
            f"kegiatan <b>{event.judul}</b> (program: {programs}) dari gudang {event.warehouse.nama} kepada "
            f"penerima manfaat sebagaimana tercantum di bawah ini.",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Any]] = [["No", "NIK", "Nama", "Kluster", "Barang", "Nilai", "Tanda terima"]]
    for n, r in enumerate(event_recipients(event), start=1):
        goods = ", ".join(f"{i.item.nama} {i.qty} {i.item.satuan}" for i in r.items.all())
        rows.append(
            [
                str(n),
                mask_nik(r.member.nik),
                Paragraph(r.member.nama, small),
                CLUSTERS.get(r.cluster, r.cluster),  # type: ignore[attr-defined]
                Paragraph(goods, small),
                rupiah(int(r.nilai or 0)),  # type: ignore[attr-defined]
                _mark(r),
            ]
        )
    rows.append(["", "", "Jumlah", "", f"{recap.recipients} penerima", rupiah(recap.value), ""])
    table = Table(
        rows, colWidths=[9 * mm, 29 * mm, 36 * mm, 24 * mm, 36 * mm, 24 * mm, 22 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (5, 1), (5, -1), "RIGHT"),
            ]
        )
    )
    story += [table, Spacer(1, 5 * mm), Paragraph("<b>Rekapitulasi</b>", styles["Normal"])]
    summary: list[list[str]] = [["Barang", "Jumlah", "Penerima", "Nilai"]]
    summary += [
        [i["nama"], f"{i['qty']} {i['satuan']}", str(i["recipients"]), rupiah(i["value"])]
        for i in recap.by_item
    ]
    summary += [
        [f"Kluster {c['label'].lower()}", "", str(c["n"]), rupiah(c["value"])]
        for c in recap.by_cluster
        if c["n"]
    ]
    summary.append(
        [
            "Total",
            f"diterima {recap.received}, tidak diterima {recap.not_received}",
            str(recap.recipients),
            rupiah(recap.value),
        ]
    )
    st = Table(summary, colWidths=[60 * mm, 55 * mm, 25 * mm, 35 * mm])
    st.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
            ]
        )
    )
    story += [st, Spacer(1, 8 * mm)]
    # Signature blocks: the organiser's officer and each official present.
    blocks = [("Yang menyerahkan", event.organiser.nama, "")] + [
        ("Mengetahui", p.get("jabatan", ""), p.get("nama", "")) for p in event.pejabat
    ]
    cells = [
        Paragraph(f"{role}<br/>{jabatan}<br/><br/><br/><br/>( {nama or '.' * 30} )", small)
        for role, jabatan, nama in blocks
    ]
    grid = [cells[i : i + 3] + [""] * (3 - len(cells[i : i + 3])) for i in range(0, len(cells), 3)]
    story.append(KeepTogether([Table(grid, colWidths=[60 * mm] * 3)]))
    doc.build(story)
    return buf.getvalue()


def bast_path(event: DistributionEvent) -> Path:
    return Path(settings.VAR_DIR) / "bast" / f"bast-{event.pk:05d}.pdf"


def bast_write(event: DistributionEvent) -> tuple[Path, str]:
    """Write the BAST under var/bast/; returns its path and sha256."""
    data = bast_pdf(event)
    path = bast_path(event)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path, hashlib.sha256(data).hexdigest()
