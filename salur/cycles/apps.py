from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "salur.cycles"
    verbose_name = "Siklus penyaluran"
