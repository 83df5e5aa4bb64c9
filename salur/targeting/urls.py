"""Web pages of targeting."""

from django.urls import path

from salur.targeting import views

app_name = "targeting"

urlpatterns = [
    path("", views.index, name="index"),
    path("kalibrasi/", views.calibrate, name="calibrate"),
    path("skor/", views.score, name="score"),
]
