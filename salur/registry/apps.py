from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "salur.registry"
    verbose_name = "Registri sosial"
