"""Web pages of cycles."""

from django.urls import path  # noqa: F401

app_name = "cycles"

urlpatterns: list = []
