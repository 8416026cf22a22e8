from django.contrib import admin
from django.urls import include, path

from members import views as members_views
from upe_confer.health import healthz

admin.site.site_header = "UPE Confer"
admin.site.site_title = "UPE Confer"
admin.site.index_title = "The meet-and-confer record"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("agent/", include("sessions.urls")),
    path("calendar/", include("sessions.calendar", namespace="calendar")),
    path("", include("members.urls")),
    # The home page is the members' list of updates.
    path("", members_views.update_list, name="home"),
]
