"""What the reports read besides the commitment lists: a commitment as a row, the scorecard's
rows and a topic's history, each in a constant number of queries."""

import datetime
import functools
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch
from django.urls import reverse

from upe_confer.versions import ContentVersion

from ..models import (
    AgendaItem,
    BargainingUnit,
    Commitment,
    Document,
    Party,
    Position,
    Session,
    Topic,
    join_unit_codes,
)

# What a report row reads: loading only these makes a 100,000-row export about twice as fast
# (no attendee lists, session summaries or password hashes pulled along).
REPORT_FIELDS = [
    "agenda_item",
    "order",
    "party",
    "description",
    "owner",
    "due_date",
    "trigger",
    "trigger_offset_days",
    "trigger_occurred_on",
    "status",
    "resolved_on",
    "resolution_note",
    "agenda_item__title",
    "agenda_item__session__date",
    "agenda_item__session__status",
    "agenda_item__topic__name",
    "owner__username",
]


@functools.cache
def url_pattern(name: str) -> str:
    """reverse() once, not once per row: the URL with "/__pk__/" where the id goes."""
    return reverse(name, args=[0]).replace("/0/", "/__pk__/")


class CommitmentRow:
    """A commitment as a report shows it, with the day counts worked out against `today`.

    Plain attribute work only: a CSV export builds one of these per row, 100,000 times."""

    def __init__(self, commitment: Commitment, today: datetime.date) -> None:
        self.commitment = commitment
        self.unit_codes = join_unit_codes((commitment.unit_codes or "").split(","))
        self.days_overdue = commitment.days_overdue(today)
        self.days_waiting = commitment.days_waiting(today)
        self.awaiting = commitment.is_awaiting_trigger

    @property
    def change_url(self) -> str:
        pattern = url_pattern("admin:confer_commitment_change")
        return pattern.replace("/__pk__/", f"/{self.commitment.pk}/")

    @property
    def trigger_url(self) -> str:
        if not self.awaiting:
            return ""
        pattern = url_pattern("admin:confer_commitment_trigger")
        return pattern.replace("/__pk__/", f"/{self.commitment.pk}/")


SCORECARD_COLUMNS = ["made", "kept", "broken", "withdrawn", "open", "overdue", "on_time"]


def scorecard_table(today: datetime.date, commitments, unit_codes=None) -> list[dict]:
    """The scorecard's aggregate rows (one per unit and year, never per commitment), regrouped
    by party for the templates; only the rows of `unit_codes` when given (an agent's units: a
    joint session's commitments also count for its other unit, which is not theirs to see)."""
    return [
        {
            "unit_code": row["unit_code"],
            "unit_name": row["unit_name"],
            "year": row["year"],
            "parties": [
                {
                    "label": label,
                    **{column: row[f"{party}_{column}"] for column in SCORECARD_COLUMNS},
                    "rate": rate(row[f"{party}_on_time_rate"]),
                }
                for party, label in Party.choices
            ],
        }
        for row in scorecard_rows(today, commitments, unit_codes)
    ]


# The whole record's counts (the scorecard, the topics' sessions and commitments) are counted
# once per change of what they count and kept: counting joins every commitment to its session
# and units (half a second at 100,000 commitments), while the record changes far less often than
# the counts are read. Any save, deletion or bulk write of these models (and of a session's
# units) moves the version (SessionsConfig.ready watches; see upe_confer.versions), so kept
# counts are never read after a change; the scorecard's key has the day as well, since "overdue"
# moves with it.
RECORD_COUNTS = ContentVersion("record-counts")
COUNTED = (BargainingUnit, Session, Session.units.through, AgendaItem, Commitment)
# Only a safety net (e.g. raw SQL, which no signal reports): a change is seen at once anyway.
KEPT_SECONDS = 3600


def kept(name: str, count: Callable[[], Any]) -> Any:
    """What `count()` returns, kept under `name` while the record has not changed (one version
    read, no counting)."""
    key = f"{name}:{RECORD_COUNTS.number()}"
    counted = cache.get(key)
    if counted is None:
        counted = count()
        cache.set(key, counted, KEPT_SECONDS)
    return counted


def scorecard_rows(today: datetime.date, commitments, unit_codes=None):
    if unit_codes is None and not commitments.query.has_filters():
        rows = kept_scorecard(today)
    else:
        # An agent's units: fewer rows to count, and not worth keeping per person.
        rows = list(commitments.scorecard(today))
    if unit_codes is None:
        yield from rows
        return
    for row in rows:
        if row["unit_code"] in unit_codes:
            yield row


def kept_scorecard(today: datetime.date) -> list[dict]:
    """Every commitment's scorecard rows, as `CommitmentQuerySet.scorecard` counts them."""
    # A few rows per unit and year: fetched at once, not through a server-side cursor, which
    # would keep PostgreSQL from reading the commitments in parallel.
    return kept(f"scorecard:{today.isoformat()}", lambda: list(Commitment.objects.scorecard(today)))


def kept_topic_counts() -> dict[int, tuple[int, int]]:
    """For each topic of the whole record, (how many sessions discussed it, how many
    commitments were made on it); a topic never discussed is missing."""

    def count() -> dict[int, tuple[int, int]]:
        sessions = (
            AgendaItem.objects.order_by()
            .values("topic")
            .annotate(n=Count("session", distinct=True))
            .values_list("topic", "n")
        )
        commitments = dict(
            Commitment.objects.order_by()
            .values("agenda_item__topic")
            .annotate(n=Count("pk"))
            .values_list("agenda_item__topic", "n")
        )
        return {topic: (n, commitments.get(topic, 0)) for topic, n in sessions}

    return kept("topic-counts", count)


def rate(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def topic_history_items(topic: Topic, items=AgendaItem.objects):
    """The topic's agenda items (among `items`) in date order, with everything the history
    shows prefetched."""
    return (
        items.filter(topic=topic)
        .select_related("session")
        .prefetch_related(
            "session__units",
            # Every paper of the sessions where the topic was discussed (not the deleted ones).
            Prefetch(
                "session__documents",
                queryset=Document.objects.active().order_by("date", "pk"),
                to_attr="active_documents",
            ),
            Prefetch("positions", queryset=Position.objects.order_by("order", "pk")),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("owner", "followed_up_in").order_by(
                    "order", "pk"
                ),
            ),
        )
        .order_by("session__date", "session__start_time", "session__pk", "order", "pk")
    )
