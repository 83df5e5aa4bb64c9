"""Staff pages of grievances, usul and sanggah."""

from django.urls import path

from salur.grievances import views

app_name = "grievances"

urlpatterns = [
    path("", views.index, name="index"),
    path("massal/", views.bulk, name="bulk"),
    path("baru/", views.intake, name="intake"),
    path("usulan/", views.submissions, name="submissions"),
    path("usulan/<str:tracking_no>/", views.submission_detail, name="submission_detail"),
    path("usulan/<str:tracking_no>/lampiran/", views.submission_attachment, name="submission_attachment"),
    path("<str:tracking_no>/", views.detail, name="detail"),
    path("<str:tracking_no>/lampiran/", views.attachment, name="attachment"),
]
