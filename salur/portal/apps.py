from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "salur.portal"
    verbose_name = "Portal publik cek bansos"
