"""Web pages of dataquality."""

from django.urls import path  # noqa: F401

app_name = "dataquality"

urlpatterns: list = []
