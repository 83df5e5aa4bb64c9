"""Web pages of payments (verification samples; files and status live on the cycle page)."""

from django.urls import path

from salur.payments import views

app_name = "payments"

urlpatterns = [
    path("sampel/<int:sample_id>/", views.sample_detail, name="sample"),
    path("sampel/<int:sample_id>/<int:item_id>/jawab/", views.sample_answer, name="answer"),
]
