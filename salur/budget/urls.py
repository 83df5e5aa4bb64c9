"""Web page of the budget (anggaran)."""

from django.urls import path

from salur.budget import views

app_name = "budget"

urlpatterns = [path("", views.budget_index, name="index")]
