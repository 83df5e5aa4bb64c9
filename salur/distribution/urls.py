"""Web pages of distribution."""

from django.urls import path

from salur.distribution import views

app_name = "distribution"

urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("kegiatan/<int:pk>/", views.event_detail, name="event_detail"),
    path("kegiatan/<int:pk>/bast.pdf", views.event_bast, name="event_bast"),
    path("kegiatan/<int:pk>/serah-terima/", views.handover_page, name="handover"),
    path("kegiatan/<int:pk>/<slug:action>/", views.event_action, name="event_action"),
    path("gudang/<int:pk>/", views.warehouse_detail, name="warehouse_detail"),
    path("gudang/<int:pk>/terima/", views.warehouse_receive, name="warehouse_receive"),
    path("laporan-kunjungan/", views.visit_report, name="visit_report"),
]
