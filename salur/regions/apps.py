from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "salur.regions"
    verbose_name = "Wilayah"
