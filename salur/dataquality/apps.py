from django.apps import AppConfig


class DataQualityConfig(AppConfig):
    name = "salur.dataquality"
    verbose_name = "Kualitas data"
