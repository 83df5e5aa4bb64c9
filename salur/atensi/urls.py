"""Web pages of atensi."""

from django.urls import path  # noqa: F401

app_name = "atensi"

urlpatterns: list = []
