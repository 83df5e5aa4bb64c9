from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "salur.targeting"
    verbose_name = "Penargetan (PMT dan desil)"
