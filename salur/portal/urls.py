"""Public pages of "cek bansos" (no login)."""

from django.urls import path

from salur.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("lacak/", views.track, name="track"),
    path("usul/", views.usul, name="usul"),
    path("sanggah/", views.sanggah, name="sanggah"),
    path("pengaduan/", views.pengaduan, name="pengaduan"),
]
