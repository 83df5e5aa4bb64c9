from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from salur.api import api
from salur.core import views as core_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="registry:household_list", permanent=False)),
    path("masuk/", auth_views.LoginView.as_view(template_name="auth/login.html"), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("registri/", include("salur.registry.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("health/", core_views.health, name="health"),
    path("audit/", core_views.audit_list, name="audit_list"),
]
