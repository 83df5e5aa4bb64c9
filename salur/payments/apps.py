from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "salur.payments"
    verbose_name = "Pembayaran dan rekonsiliasi"
