from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "salur.enrolment"
    verbose_name = "Kepesertaan (usulan, verifikasi, penetapan)"
