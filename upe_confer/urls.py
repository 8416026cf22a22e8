from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from upe_confer.health import healthz

admin.site.site_header = "UPE Confer"
admin.site.site_title = "UPE Confer"
admin.site.index_title = "The meet-and-confer record"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
