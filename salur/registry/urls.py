from django.urls import path

from salur.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("kk/baru/", views.household_create, name="household_create"),
    path("kk/<str:no_kk>/", views.household_detail, name="household_detail"),
    path("kk/<str:no_kk>/ubah/", views.household_edit, name="household_edit"),
    path("kk/<str:no_kk>/anggota/baru/", views.member_create, name="member_create"),
    path("anggota/<str:nik>/ubah/", views.member_edit, name="member_edit"),
    path("impor/", views.import_upload, name="import_upload"),
    path("impor/<int:job_id>/", views.import_detail, name="import_detail"),
    path("impor/<int:job_id>/status.json", views.import_status, name="import_status"),
    path("impor/<int:job_id>/penolakan.csv", views.import_rejects, name="import_rejects"),
]
