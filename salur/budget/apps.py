from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "salur.budget"
    verbose_name = "Anggaran (DIPA) dan realisasi"
