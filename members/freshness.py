"""What each cached member page depends on, in one cheap query (see upe_confer.conditional).

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

from django.db.models import Count, DateTimeField, Max, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.utils import timezone

from sessions.models import BargainingUnit, Topic
from upe_confer.conditional import Freshness

from .models import SiteConfiguration, Update

NEVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def latest_change(model) -> Coalesce:
    """The time of the latest history record of `model`, as a subquery."""
    latest = model.history.order_by("-history_date").values("history_date")[:1]
    return Coalesce(Subquery(latest), Value(NEVER), output_field=DateTimeField())


def latest_record(model):
    """The id of the latest history record of `model`: it grows with every save and delete,
    whatever the clocks of the app servers say (two changes in the same microsecond, or on a
    server whose clock is behind, still give a new fingerprint). `Count * 0 +` makes it an
    aggregate, as `aggregate()` wants, that is there even when the page lists nothing."""
    latest = model.history.order_by("-history_id").values("history_id")[:1]
    return Count("pk") * 0 + Coalesce(Subquery(latest), 0)


def fingerprint(updates, role: str) -> Freshness:
    """One query: the state of `updates` (what the page lists) and of everything around it."""
    state = updates.aggregate(
        n=Count("pk"),
        ids=Sum("pk"),
        live_at=Max("publish_at"),
        edited=Max("updated_at"),
        update_record=latest_record(Update),
        unit_record=latest_record(BargainingUnit),
        topic_record=latest_record(Topic),
        site_record=latest_record(SiteConfiguration),
        changed=Greatest(
            Coalesce(Max("updated_at"), Value(NEVER), output_field=DateTimeField()),
            latest_change(Update),
            latest_change(BargainingUnit),
            latest_change(Topic),
            latest_change(SiteConfiguration),
        ),
    )
    changed = state.pop("changed")
    if isinstance(changed, str):  # SQLite's MAX() of several values gives text
        changed = datetime.datetime.fromisoformat(changed)
    if changed is not None and timezone.is_naive(changed):
        changed = timezone.make_aware(changed, datetime.UTC)
    # The page changed last when something was saved, or when its latest update went live.
    last_modified = max(filter(None, [changed, state["live_at"]]), default=None)
    key = "|".join([role, *(str(state[name]) for name in sorted(state))])
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
