"""Web pages of enrolment."""

from django.urls import path  # noqa: F401

app_name = "enrolment"

urlpatterns: list = []
