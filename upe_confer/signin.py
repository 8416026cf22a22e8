"""Sign-in throttling with django-axes: what a locked-out person is told, and who they are.

After AXES_FAILURE_LIMIT wrong passwords for one username, or from one address, further tries
are refused for AXES_COOLOFF_TIME, on the site's and the admin's sign-in pages alike. Attempts
live in the database, so every app server sees the same count, and Staff lift a lockout from the
admin (Sign-in lockouts) by deleting its row.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The address that signed in. Behind our proxy (BEHIND_PROXY) it is the last address in
    X-Forwarded-For, the one the proxy itself appended: earlier entries come from the client and
    could be anything."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """429 with a page that tells a member what happened, when to try again and how to reset
    the password (which works while locked out)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    retry_at = timezone.localtime() + settings.AXES_COOLOFF_TIME
    response: HttpResponse = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "retry_at": retry_at, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
