"""Whether a kept member page is still fresh, at a cost that does not grow with the data (see
upe_confer.conditional and upe_confer.versions).

A page shows updates, the labels around them (units, topics, documents, the union's name) and a
navigation bar that depends on who is looking. Its key is:

- the member pages' version: every save, deletion or bulk write of the models in AROUND (and of
  their many-to-many links) moves it, in the writer's transaction and again at its commit;
- how many scheduled go-live times have passed: a scheduled update joins the pages at its time
  with no write at all, and is seen at once;
- the visitor's role (members see members-only updates; anonymous visitors never get a page kept
  for a member: the user is in the key as well);
- and, added by upe_confer.conditional, the page's address with its query string.

Staff who edit updates see drafts and scheduled ones: their pages are never kept (None).
"""

import bisect
import datetime
from dataclasses import dataclass

from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from sessions.models import BargainingUnit, Document, Topic
from upe_confer.conditional import Freshness, signed_in
from upe_confer.versions import ContentVersion

from .models import SiteConfiguration, Update

# What member pages show: any change to these moves the version (MembersConfig.ready watches).
AROUND = (Update, BargainingUnit, Topic, SiteConfiguration, Document)
MEMBER_PAGES = ContentVersion("member-pages")

# Go-live times kept with the schedule; past the last one the schedule is read again.
UPCOMING_KEPT = 50


@dataclass(frozen=True)
class Schedule:
    """What time alone changes on member pages, read once per version by each process:
    scheduled updates go live with no write at all."""

    version: int
    changed_at: datetime.datetime | None  # when the version moved, if known
    live_at: datetime.datetime | None  # the latest go-live time passed when it was read
    upcoming: tuple[datetime.datetime, ...]  # the next go-live times, soonest first
    read_again_at: datetime.datetime | None  # more go-live times than kept: the next one

    @classmethod
    def read(cls, version: int, now: datetime.datetime) -> "Schedule":
        changed_at = MEMBER_PAGES.changed_at()
        live = Update.objects.published(now).aggregate(at=Max("publish_at"))["at"]
        times = list(
            Update.objects.filter(
                status__in=[Update.Status.PUBLISHED, Update.Status.SCHEDULED], publish_at__gt=now
            )
            .order_by("publish_at")
            .values_list("publish_at", flat=True)[: UPCOMING_KEPT + 1]
        )
        return cls(
            version,
            changed_at,
            live,
            tuple(times[:UPCOMING_KEPT]),
            times[UPCOMING_KEPT] if len(times) > UPCOMING_KEPT else None,
        )

    def is_current(self, version: int, now: datetime.datetime) -> bool:
        return self.version == version and (self.read_again_at is None or now < self.read_again_at)

    def passed(self, now: datetime.datetime) -> int:
        """How many of the upcoming go-live times have come."""
        return bisect.bisect_right(self.upcoming, now)

    def last_modified(self, now: datetime.datetime) -> datetime.datetime | None:
        """The version's time, or the latest go-live time passed if later. None when the
        version's time is unknown (a cache that lost it): a date older than the change would
        make a browser asking "modified since?" keep a stale page; no date is safe."""
        if self.changed_at is None:
            return None
        passed = self.passed(now)
        went_live = self.upcoming[passed - 1] if passed else self.live_at
        return max(filter(None, [self.changed_at, went_live]))


# The schedule this process read last (a new version replaces it).
last_schedule: Schedule | None = None


def fingerprint(role: str) -> Freshness:
    """O(1) whatever the number of updates: the version (one cache read, or one primary-key
    lookup without a shared cache); the schedule is read once per version. A page kept under an
    older version, or before a go-live time passed, is never served again."""
    global last_schedule
    now = timezone.now()
    version = MEMBER_PAGES.number()
    schedule = last_schedule
    if schedule is None or not schedule.is_current(version, now):
        schedule = last_schedule = Schedule.read(version, now)
    return Freshness(f"{role}|{version}|{schedule.passed(now)}", schedule.last_modified(now))


def visitor_role(request: HttpRequest) -> str | None:
    """What the visitor may read; None for staff who edit updates (their pages are not kept)."""
    if not signed_in(request):
        return "public"
    user = request.user
    if user.has_perm("members.change_update"):
        return None
    # The navigation bar shows the agents' link: a permission change must change the page.
    agent = user.has_perm("confer.add_session")
    if user.has_perm("members.read_members_only_update"):
        return f"member{'+agent' if agent else ''}"
    return f"public{'+agent' if agent else ''}"


def member_page_freshness(request: HttpRequest, *args, **kwargs) -> Freshness | None:
    """Every member page: the list and its filters, a unit, a topic, an update, the search (the
    address, query string included, is in the page's key; see upe_confer.conditional)."""
    if (role := visitor_role(request)) is None:
        return None
    return fingerprint(role)


def feed_freshness(request: HttpRequest, *args, **kwargs) -> Freshness:
    """Feeds carry public updates only, whoever asks."""
    return fingerprint("feed")
