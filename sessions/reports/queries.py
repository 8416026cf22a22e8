"""What each report lists: the commitment lists (each a named queryset method of the record),
the scorecard's rows and a topic's history, read in a constant number of queries."""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Prefetch
from django.urls import reverse

from ..models import (
    AgendaItem,
    Commitment,
    CommitmentQuerySet,
    Party,
    Position,
    Topic,
    join_unit_codes,
)

DUE_SOON_DAYS = 14

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


@dataclass(frozen=True)
class CommitmentReport:
    slug: str
    title: str
    description: str
    date_label: str  # what the date range filters on, in words
    # The record's own queryset method that picks the rows, and their order.
    select: Callable[[CommitmentQuerySet, datetime.date], CommitmentQuerySet]
    filters_on_session_date: bool = False

    def queryset(self, today: datetime.date) -> CommitmentQuerySet:
        commitments = (
            Commitment.objects.with_report_columns().with_state(today).only(*REPORT_FIELDS)
        )
        return self.select(commitments, today)


REPORTS = {
    report.slug: report
    for report in [
        CommitmentReport(
            "open",
            "Open commitments",
            "Every commitment not yet settled.",
            "the due date",
            # Awaiting a trigger (no due date) last, on every database.
            lambda commitments, today: commitments.open().order_by(
                F("due_date").asc(nulls_last=True), "agenda_item__session__date", "pk"
            ),
        ),
        CommitmentReport(
            "overdue",
            "Overdue commitments",
            "Open, and the due date has passed.",
            "the due date",
            lambda commitments, today: commitments.overdue(today).order_by("due_date", "pk"),
        ),
        CommitmentReport(
            "due-soon",
            f"Due in the next {DUE_SOON_DAYS} days",
            f"Open, due today or within the next {DUE_SOON_DAYS} days.",
            "the due date",
            lambda commitments, today: commitments.due_within(DUE_SOON_DAYS, today).order_by(
                "due_date", "pk"
            ),
        ),
        CommitmentReport(
            "awaiting-trigger",
            "Awaiting a trigger",
            "Open, due after an event that has not been recorded yet; longest wait first.",
            "the date of the session where it was made",
            lambda commitments, today: commitments.awaiting_trigger().order_by(
                "agenda_item__session__date", "pk"
            ),
            filters_on_session_date=True,
        ),
    ]
}


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


def scorecard_table(today: datetime.date) -> list[dict]:
    """The scorecard's aggregate rows (one per unit and year, never per commitment), regrouped
    by party for the templates."""
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
        for row in Commitment.objects.scorecard(today)
    ]


def rate(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def topic_history_items(topic: Topic):
    """The topic's agenda items in date order, with everything the history shows prefetched."""
    return (
        AgendaItem.objects.filter(topic=topic)
        .select_related("session")
        .prefetch_related(
            "session__units",
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
