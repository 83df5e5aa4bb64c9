from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "salur.grievances"
    verbose_name = "Usul, sanggah dan pengaduan"
