"""Web pages of enrolment (kepesertaan)."""

from django.urls import path

from salur.enrolment import views

app_name = "enrolment"

urlpatterns = [
    path("", views.index, name="index"),
    path("usul/", views.propose, name="propose"),
    path("<int:enrolment_id>/", views.detail, name="detail"),
    path("<int:enrolment_id>/verifikasi/", views.verify, name="verify"),
    path("<int:enrolment_id>/ubah-status/", views.change_request, name="change_request"),
    path("perubahan/<int:change_id>/", views.change_resolve, name="change_resolve"),
    path("penetapan/", views.decide, name="decide"),
    path("penetapan/<int:decision_id>/", views.decision_detail, name="decision_detail"),
    path("kk/<str:no_kk>/", views.household, name="household"),
]
