from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "salur.accounts"
    verbose_name = "Pengguna"
