"""Web pages of santunan."""

from django.urls import path

from salur.santunan import views

app_name = "santunan"

urlpatterns = [path("", views.index, name="index")]
