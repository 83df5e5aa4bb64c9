"""Web pages of dataquality."""

from django.urls import path

from salur.dataquality import views

app_name = "dataquality"

urlpatterns = [
    path("", views.index, name="index"),
    path("laporan.csv", views.report_csv, name="report_csv"),
    path("duplikat/", views.pair_queue, name="pair_queue"),
    path("duplikat/<int:pair_id>/", views.pair_detail, name="pair_detail"),
    path("daftar/", views.candidate_list, name="candidate_list"),
    path("daftar/<int:candidate_id>/", views.candidate_decide, name="candidate_decide"),
    path("anggota/<int:member_id>/gabungan/", views.member_merged, name="member_merged"),
]
