"""Web pages of targeting."""

from django.urls import path  # noqa: F401

app_name = "targeting"

urlpatterns: list = []
