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
    path("program/", include("salur.programs.urls")),
    path("penargetan/", include("salur.targeting.urls")),
    path("kepesertaan/", include("salur.enrolment.urls")),
    path("siklus/", include("salur.cycles.urls")),
    path("pembayaran/", include("salur.payments.urls")),
    path("anggaran/", include("salur.budget.urls")),
    path("kualitas/", include("salur.dataquality.urls")),
    path("penyaluran/", include("salur.distribution.urls")),
    path("atensi/", include("salur.atensi.urls")),
    path("santunan/", include("salur.santunan.urls")),
    path("pengaduan/", include("salur.grievances.urls")),
    path("cek-bansos/", include("salur.portal.urls")),
    path("dasbor/", include("salur.dashboard.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("health/", core_views.health, name="health"),
    path("audit/", core_views.audit_list, name="audit_list"),
]
