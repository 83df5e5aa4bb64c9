from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "salur.core"
    verbose_name = "Inti"
