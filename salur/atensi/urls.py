"""Web pages of atensi."""

from django.urls import path

from salur.atensi import views

app_name = "atensi"

urlpatterns = [
    path("", views.index, name="index"),
    path("kasus/<int:pk>/", views.case_detail, name="case_detail"),
]
