from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "salur.dashboard"
    verbose_name = "Dasbor"
