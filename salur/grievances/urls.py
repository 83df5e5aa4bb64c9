"""Web pages of grievances."""

from django.urls import path  # noqa: F401

app_name = "grievances"

urlpatterns: list = []
