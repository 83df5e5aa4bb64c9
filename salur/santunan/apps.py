from django.apps import AppConfig


class SantunanConfig(AppConfig):
    name = "salur.santunan"
    verbose_name = "Santunan ahli waris korban bencana"
