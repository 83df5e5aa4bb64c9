from django.apps import AppConfig


class AtensiConfig(AppConfig):
    name = "salur.atensi"
    verbose_name = "Manajemen kasus ATENSI"
