from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from members import views as members_views
from upe_confer.health import bare, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The members' pages first: the most asked for, and resolved without trying the admin's.
    path("", include("members.urls")),
    # The home page is the members' list of updates.
    path("", members_views.update_list, name="home"),
    path("api/v1/", include("api.urls")),
    # Before the admin's own pages: the reports live beside them, under the admin's sign-in.
    path("admin/reports/", include("sessions.reports.urls")),
    path("admin/import/", include("sessions.import_urls")),
    # Where the reports were until 2026-12: bookmarks keep working.
    re_path(
        r"^admin/confer/commitment/reports/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/reports/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    # Before Django's own: the reset mail is sent after the answer (members.views).
    path(
        "accounts/password_reset/",
        members_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("agent/", include("sessions.urls")),
    path("calendar/", include("sessions.calendar.urls")),
]

if settings.BENCHMARK_BARE_VIEW:
    urlpatterns.insert(0, path("benchmark/bare", bare))
