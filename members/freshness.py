"""What each cached member page depends on, in two cheap queries (see upe_confer.conditional).

A page shows a set of updates, the labels around them (units, topics, the union's name) and a
navigation bar that depends on who is looking. Its fingerprint is:

- the updates the visitor may read on that page: how many, which (the sum of their ids: one
  leaving as another arrives still changes it), the latest edit and the latest go-live time — a
  scheduled update whose time has come joins the set with no write at all, and is seen at once;
- the latest change anywhere to updates (history, so withdrawals and deletions count), units,
  topics and the site configuration: a renamed unit shows on every page that names it;
- the visitor's role (members see members-only updates; anonymous visitors never get a page kept
  for a member: the user is in the key as well).

Staff who edit updates see drafts and scheduled ones: their pages are never kept (None).
"""

import datetime
import functools

from django.db import connection
from django.db.models import Count, Max, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sessions.models import BargainingUnit, Document, Topic
from upe_confer.conditional import Freshness

from .models import SiteConfiguration, Update

# Models whose changes show on member pages besides the updates listed: their history tables'
# latest record (id and time) is read in one statement.
AROUND = (Update, BargainingUnit, Topic, SiteConfiguration, Document)


@functools.cache
def latest_records_sql() -> str:
    parts = []
    for model in AROUND:
        table = connection.ops.quote_name(model.history.model._meta.db_table)
        parts += [
            f"(SELECT MAX(history_id) FROM {table})",
            f"(SELECT MAX(history_date) FROM {table})",
        ]
    return "SELECT " + ", ".join(parts)


def latest_records() -> tuple[list, datetime.datetime | None]:
    """The id of the latest history record of each model in AROUND, and the latest time.

    Ids grow with every save and delete, whatever the clocks of the app servers say (two changes
    in the same microsecond, or one on a server whose clock is behind, still give a new
    fingerprint); the time is for Last-Modified. Plain SQL: the same question built with the ORM
    each request cost more CPU than the rest of a cached page."""
    with connection.cursor() as cursor:
        cursor.execute(latest_records_sql())
        row = cursor.fetchone()
    times = [as_datetime(value) for value in row[1::2]]
    return list(row[0::2]), max(filter(None, times), default=None)


def as_datetime(value) -> datetime.datetime | None:
    if isinstance(value, str):  # SQLite
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def fingerprint(updates, role: str) -> Freshness:
    """Two queries: the state of `updates` (what the page lists) and of everything around it."""
    state = updates.aggregate(
        n=Count("pk"), ids=Sum("pk"), live_at=Max("publish_at"), edited=Max("updated_at")
    )
    records, changed = latest_records()
    # The page changed last when something was saved, or when its latest update went live.
    last_modified = max(filter(None, [changed, state["edited"], state["live_at"]]), default=None)
    key = "|".join([role, *(str(state[name]) for name in sorted(state)), *map(str, records)])
    return Freshness(key, last_modified)


def visitor_role(user) -> str | None:
    """What the visitor may read; None for staff who edit updates (their pages are not kept)."""
    if user.has_perm("members.change_update"):
        return None
    # The navigation bar shows the agents' link: a permission change must change the page.
    agent = user.has_perm("confer.add_session")
    if user.has_perm("members.read_members_only_update"):
        return f"member{'+agent' if agent else ''}"
    return f"public{'+agent' if agent else ''}"


def readable(request: HttpRequest, now: datetime.datetime):
    return Update.objects.readable_by(request.user, now)


def update_list_freshness(request: HttpRequest) -> Freshness | None:
    """The list, its filters and the search: the query string is in the key, and the unit and
    topic filters only narrow the readable set, so its fingerprint covers them."""
    if (role := visitor_role(request.user)) is None:
        return None
    return fingerprint(readable(request, timezone.now()), role)


def unit_freshness(request: HttpRequest, code: str) -> Freshness | None:
    if (role := visitor_role(request.user)) is None:
        return None
    return fingerprint(readable(request, timezone.now()).filter(units__code=code), role)


def topic_freshness(request: HttpRequest, slug: str) -> Freshness | None:
    if (role := visitor_role(request.user)) is None:
        return None
    return fingerprint(readable(request, timezone.now()).filter(topics__slug=slug), role)


def update_freshness(request: HttpRequest, slug: str) -> Freshness | None:
    """One update: live or not, edited or not; whether the visitor may read a members-only one
    is their role, in the key."""
    if (role := visitor_role(request.user)) is None:
        return None
    return fingerprint(Update.objects.published(timezone.now()).filter(slug=slug), role)


def feed_freshness(request: HttpRequest, code: str | None = None) -> Freshness:
    """Feeds carry public updates only, whoever asks."""
    updates = Update.objects.published(timezone.now()).public()
    if code is not None:
        updates = updates.filter(units__code=code)
    return fingerprint(updates, "feed")
