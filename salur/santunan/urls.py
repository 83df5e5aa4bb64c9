"""Web pages of santunan."""

from django.urls import path  # noqa: F401

app_name = "santunan"

urlpatterns: list = []
