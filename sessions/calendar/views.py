"""A personal iCalendar feed: scheduled sessions and the due dates of one's commitments.

Calendar clients cannot sign in, so the feed sits behind a secret token in its URL (one per
user, resettable, stored only as a hash: shown once, when made). What the feed holds is decided
at each request by the same roles and unit rules as the pages (sessions/access.py): someone who
loses a role loses its sessions from an existing link too. Its addresses are in
sessions/calendar/urls.py.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from icalendar import Calendar, Event

from ..access import sessions_on_calendar_of, sessions_readable_by
from ..models import CalendarToken, Commitment, Session

UID_DOMAIN = "upe-confer"
# Sessions this far back stay in the feed, so a client that syncs late still shows them.
PAST_DAYS = 90


def sessions_for(user, today: datetime.date):
    """Scheduled sessions the user takes part in, from PAST_DAYS ago on."""
    return (
        sessions_on_calendar_of(user)
        .filter(
            status=Session.Status.SCHEDULED, date__gte=today - datetime.timedelta(days=PAST_DAYS)
        )
        .prefetch_related("units")
        .order_by("date", "start_time", "pk")
    )


def commitments_for(user):
    """The open commitments the user follows up that have a due date, of sessions they may
    read."""
    return (
        Commitment.objects.open()
        .filter(
            owner=user,
            due_date__isnull=False,
            agenda_item__session__in=sessions_readable_by(user).values("pk"),
        )
        .select_related("agenda_item__session", "agenda_item__topic")
        .order_by("due_date", "pk")
    )


def build_calendar(user, today: datetime.date) -> Calendar:
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//United Public Employees//UPE Confer//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "UPE Confer")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)

    for session in sessions_for(user, today):
        event = Event()
        # Stable UIDs: a client updates the event in place when the session moves.
        event.add("uid", f"session-{session.pk}@{UID_DOMAIN}")
        event.add("dtstamp", session.updated_at)
        event.add("last-modified", session.updated_at)
        event.add("summary", f"Meet and confer, unit {session.unit_codes}")
        if session.start_time:
            event.add("dtstart", datetime.datetime.combine(session.date, session.start_time, zone))
        else:
            event.add("dtstart", session.date)
            event.add("dtend", session.date + datetime.timedelta(days=1))
        if session.location:
            event.add("location", session.location)
        if session.summary:
            event.add("description", session.summary)
        calendar.add_component(event)

    for commitment in commitments_for(user):
        event = Event()
        event.add("uid", f"commitment-{commitment.pk}@{UID_DOMAIN}")
        event.add("dtstamp", commitment.updated_at)
        event.add("last-modified", commitment.updated_at)
        party = commitment.get_party_display()
        event.add("summary", f"Due: {party}: {commitment.description[:80]}")
        event.add("dtstart", commitment.due_date)
        event.add("dtend", commitment.due_date + datetime.timedelta(days=1))
        event.add(
            "description",
            f"{commitment.description}\n\nTopic: {commitment.agenda_item.topic.name}. "
            f"Made at the {commitment.agenda_item.session}.",
        )
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)

    calendar.add_missing_timezones()
    return calendar


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    user = CalendarToken.active_user_for(token)
    if user is None:
        raise Http404
    body = build_calendar(user, timezone.localdate()).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="upe-confer.ics"'
    # The URL is a secret and the feed names other people's sessions: nobody keeps a copy.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    existing = CalendarToken.objects.filter(user=request.user).first()
    return render(request, "sessions/calendar.html", {"existing": existing})


@login_required
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """Make a new link (the old one, if any, stops working) and show it: this once only, since
    only its hash is kept. The page is not stored by the browser (private, no-store)."""
    had_one = CalendarToken.objects.filter(user=request.user).exists()
    token = CalendarToken.issue(request.user)
    feed_url = request.build_absolute_uri(reverse("calendar:feed", args=[token]))
    return render(
        request,
        "sessions/calendar.html",
        {
            "feed_url": feed_url,
            "existing": CalendarToken.objects.get(user=request.user),
            "replaced": had_one,
        },
    )
