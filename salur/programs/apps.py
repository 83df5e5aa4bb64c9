from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "salur.programs"
    verbose_name = "Program bantuan"
