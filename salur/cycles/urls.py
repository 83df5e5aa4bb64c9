"""Web pages of cycles (siklus penyaluran) and their payments."""

from django.urls import path

from salur.cycles import views

app_name = "cycles"

urlpatterns = [
    path("", views.cycle_list, name="index"),
    path("baru/", views.cycle_new, name="new"),
    path("<str:code>/", views.cycle_detail, name="detail"),
    path("<str:code>/setujui/", views.cycle_approve_view, name="approve"),
    path("<str:code>/batalkan/", views.cycle_cancel_view, name="cancel"),
    path("<str:code>/ekspor/", views.cycle_export_view, name="export"),
    path("<str:code>/berkas/<str:name>", views.cycle_file, name="file"),
    path("<str:code>/status/", views.cycle_status_upload, name="status"),
    path("<str:code>/susulan/", views.cycle_followup, name="followup"),
    path("<str:code>/susulan/<int:number>/setujui/", views.cycle_followup_approve, name="followup_approve"),
    path("<str:code>/sampel/", views.cycle_sample, name="sample"),
    path("<str:code>/laporan.<str:fmt>", views.cycle_report_download, name="report"),
]
