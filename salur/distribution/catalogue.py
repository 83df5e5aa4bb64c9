"""The default item catalogue (field reports 002, 003: sembako packages, wheelchairs, sewing machines, bedding,
warung capital). Prices are indicative 2024 market prices in rupiah; administrators change them in the catalogue."""

from __future__ import annotations

from typing import Any

# kode, nama, satuan, harga_satuan, components [(kode, qty)]
DEFAULT_ITEMS: list[tuple[str, str, str, int, list[tuple[str, int]]]] = [
    ("beras", "Beras medium", "kg", 13_000, []),
    ("minyak-goreng", "Minyak goreng", "liter", 17_000, []),
    ("gula-pasir", "Gula pasir", "kg", 17_500, []),
    ("mie-instan", "Mie instan", "bungkus", 3_000, []),
    ("telur", "Telur ayam", "kg", 28_000, []),
    (
        "paket-sembako",
        "Paket sembako",
        "paket",
        257_000,
        [("beras", 10), ("minyak-goreng", 2), ("gula-pasir", 2), ("mie-instan", 10), ("telur", 1)],
    ),
    ("etalase", "Etalase warung", "unit", 1_500_000, []),
    ("perlengkapan-warung", "Perlengkapan warung", "set", 750_000, []),
    ("stok-awal-warung", "Stok awal barang dagangan", "paket", 2_750_000, []),
    (
        "paket-modal-warung",
        "Paket modal usaha warung",
        "paket",
        5_000_000,
        [("etalase", 1), ("perlengkapan-warung", 1), ("stok-awal-warung", 1)],
    ),
    ("kursi-roda", "Kursi roda", "unit", 2_500_000, []),
    ("kursi-roda-standar", "Kursi roda standar", "unit", 1_500_000, []),
    ("mesin-jahit", "Mesin jahit", "unit", 2_300_000, []),
    ("peralatan-tidur", "Peralatan tidur (kasur, bantal, selimut)", "set", 750_000, []),
]


def catalogue_load(*, actor: Any) -> int:
    """Load the default items (components first); idempotent. Returns the number of items."""
    from salur.distribution.models import Item
    from salur.distribution.services import item_upsert

    existing = set(Item.objects.values_list("kode", flat=True))
    for kode, nama, satuan, harga, components in DEFAULT_ITEMS:
        if kode not in existing:
            item_upsert(
                actor=actor, kode=kode, nama=nama, satuan=satuan, harga_satuan=harga, components=components
            )
    return len(DEFAULT_ITEMS)
