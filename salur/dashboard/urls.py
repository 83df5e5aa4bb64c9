"""Web pages of dashboard."""

from django.urls import path

from salur.dashboard import views

app_name = "dashboard"

urlpatterns = [path("", views.index, name="index")]
