from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "salur.distribution"
    verbose_name = "Penyaluran barang, stok dan BAST"
