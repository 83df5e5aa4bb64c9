"""Web pages of programs."""

from django.urls import path

from salur.programs import views

app_name = "programs"

urlpatterns = [
    path("", views.index, name="index"),
    path("jelaskan/", views.explain_choose, name="explain_choose"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/ubah/", views.edit, name="edit"),
    path("<str:code>/pratinjau/", views.preview, name="preview"),
    path("<str:code>/jelaskan/<str:no_kk>/", views.explain, name="explain"),
]
