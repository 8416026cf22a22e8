"""The follow-up reports, for those who may run them (`confer.run_reports`), inside the admin.

Every report has three renderings: the page (paginated), a printable page and a CSV export
streamed row by row. Each runs a constant number of queries, whatever the size of the record.
What each lists is in queries.py; the addresses in urls.py.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property

from ..access import (
    agenda_items_reported_to,
    commitments_reported_to,
    reads_every_unit,
    units_reported_to,
)
from ..models import (
    DUE_SOON_DAYS,
    LONG_WAIT_DAYS,
    Commitment,
    CommitmentQuerySet,
    Party,
    Topic,
    count_of,
    join_unit_codes,
)
from .exports import csv_response
from .forms import ReportFilterForm
from .queries import (
    REPORT_FIELDS,
    SCORECARD_COLUMNS,
    CommitmentRow,
    kept,
    kept_topic_counts,
    rate,
    scorecard_rows,
    scorecard_table,
    topic_history_items,
)

PARTY_LABELS = dict(Party.choices)
STATUS_LABELS = dict(Commitment.Status.choices)
PAGE_SIZE = 50
# Up to this many rows, a report's rows are picked by their ids (filtered_commitments).
FEW_ROWS = 1000
HISTORY_PAGE_SIZE = 25  # agenda items, each with its positions and commitments
# Nobody prints more; rendering 100,000 rows of HTML would tie up a worker for a minute.
PRINT_LIMIT = 1000
# Rows fetched per database round trip while streaming a CSV or a printable page.
CHUNK_SIZE = 2000


# The commitment lists: each picks its rows with one of the record's queryset methods.
@dataclass(frozen=True)
class CommitmentReport:
    slug: str
    title: str
    description: str
    date_label: str  # what the date range filters on, in words
    # The record's own queryset method that picks the rows, and their order.
    select: Callable[[CommitmentQuerySet, datetime.date], CommitmentQuerySet]
    filters_on_session_date: bool = False

    @property
    def count_key(self) -> str:
        """Its count in CommitmentQuerySet.counts()."""
        return self.slug.replace("-", "_")

    def queryset(self, commitments: CommitmentQuerySet, today: datetime.date):
        """The report's rows among `commitments` (those the person may see)."""
        commitments = commitments.with_report_columns().with_state(today).only(*REPORT_FIELDS)
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
        CommitmentReport(
            "waiting-long",
            f"Awaiting a trigger for over {LONG_WAIT_DAYS} days",
            f"Open, made more than {LONG_WAIT_DAYS} days ago and still waiting for its trigger: "
            "ask whether it happened.",
            "the date of the session where it was made",
            lambda commitments, today: commitments.waiting_long(today).order_by(
                "agenda_item__session__date", "pk"
            ),
            filters_on_session_date=True,
        ),
        CommitmentReport(
            "undated",
            "No date given",
            "Open, with neither a due date nor a trigger: find out when it falls due.",
            "the date of the session where it was made",
            lambda commitments, today: commitments.undated().order_by(
                "agenda_item__session__date", "pk"
            ),
            filters_on_session_date=True,
        ),
    ]
}


def report_or_404(slug: str) -> CommitmentReport:
    try:
        return REPORTS[slug]
    except KeyError:
        raise Http404("No such report.") from None


def filtered_commitments(request: HttpRequest, report: CommitmentReport, today: datetime.date):
    """(the filter form, the report's rows with every column, how many there are). Counted on
    the same rows bare, which reads only the commitments' table and its partial index, no
    joins; or, unfiltered over the whole record, from the kept counts of the reports. When
    there are few, the rows are picked by their ids."""
    visible = commitments_reported_to(request.user)
    form = ReportFilterForm(
        request.GET or None, commitments=visible, units=units_reported_to(request.user)
    )
    commitments = report.queryset(visible, today)
    bare = report.select(visible, today).order_by()
    if form.is_bound:
        if form.is_valid():
            commitments = form.apply(commitments, report.filters_on_session_date)
            bare = form.apply(bare, report.filters_on_session_date)
        else:
            commitments, bare = commitments.none(), bare.none()
    if not form.is_bound and not visible.query.has_filters():
        count = cache(lambda: commitment_counts(visible, today)[report.count_key])
    else:
        count = cache(bare.count)
    if count() <= FEW_ROWS:
        # PostgreSQL cannot tell how few rows some reports hold (open, with neither a date nor
        # a trigger: it guessed 3,000 where there were 4) and walked every session in date
        # order to find them (0.3 s at 100,000 commitments). Their ids, read from the
        # commitments' table alone, tell it.
        commitments = commitments.filter(pk__in=list(bare.values_list("pk", flat=True)))
    return form, commitments, count


class CountedPaginator(Paginator):
    """Pages of `object_list`, counted by `count()` (the same rows, counted more cheaply)."""

    def __init__(self, object_list, per_page, count: Callable[[], int]) -> None:
        super().__init__(object_list, per_page)
        self.count_rows = count

    @cached_property
    def count(self) -> int:
        return self.count_rows()


def scorecard_scope(request: HttpRequest) -> tuple:
    """(the commitments, the unit codes) a scorecard counts for the person asking."""
    units = units_reported_to(request.user)
    codes = None if units is None else set(units.values_list("code", flat=True))
    return commitments_reported_to(request.user), codes


def admin_context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def commitment_counts(commitments: CommitmentQuerySet, today: datetime.date) -> dict[str, int]:
    """CommitmentQuerySet.counts() of `commitments`; of the whole record, kept while it does
    not change (queries.kept)."""
    if commitments.query.has_filters():
        return commitments.counts(today, DUE_SOON_DAYS)
    return kept(
        f"report-counts:{today.isoformat()}:{DUE_SOON_DAYS}",
        lambda: commitments.counts(today, DUE_SOON_DAYS),
    )


def report_counts(commitments: CommitmentQuerySet, today: datetime.date) -> list[tuple]:
    """(report, how many of `commitments` it lists today) for each report, in two queries."""
    counts = commitment_counts(commitments, today)
    return [(report, counts[report.count_key]) for report in REPORTS.values()]


def report_index(request: HttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    reports = report_counts(commitments_reported_to(request.user), today)
    return TemplateResponse(
        request,
        "sessions/reports/index.html",
        admin_context(request, "Follow-up reports", reports=reports, today=today),
    )


def commitment_report(request: HttpRequest, slug: str) -> TemplateResponse:
    report = report_or_404(slug)
    today = timezone.localdate()
    form, commitments, count = filtered_commitments(request, report, today)
    page = CountedPaginator(commitments, PAGE_SIZE, count).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "sessions/reports/commitments.html",
        admin_context(
            request,
            report.title,
            report=report,
            form=form,
            page=page,
            rows=[CommitmentRow(c, today) for c in page],
            query=query.urlencode(),
            today=today,
        ),
    )


def commitment_report_print(request: HttpRequest, slug: str) -> TemplateResponse:
    report = report_or_404(slug)
    today = timezone.localdate()
    form, commitments, count = filtered_commitments(request, report, today)
    total = count()
    rows = (
        CommitmentRow(c, today) for c in commitments[:PRINT_LIMIT].iterator(chunk_size=CHUNK_SIZE)
    )
    return TemplateResponse(
        request,
        "sessions/reports/commitments_print.html",
        {
            "report": report,
            "form": form,
            "rows": rows,
            "today": today,
            "total": total,
            "truncated": total > PRINT_LIMIT,
            "print_limit": PRINT_LIMIT,
        },
    )


COMMITMENT_CSV_HEADER = [
    "id",
    "party",
    "commitment",
    "units",
    "topic",
    "agenda item",
    "session date",
    "owner",
    "due date",
    "trigger",
    "trigger offset days",
    "trigger happened on",
    "status",
    "days overdue",
    "days waiting for trigger",
    "resolved on",
    "resolution note",
]


def commitment_report_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    report = report_or_404(slug)
    today = timezone.localdate()
    _, commitments, _ = filtered_commitments(request, report, today)

    # Plain tuples, not model instances: a 100,000-row export builds no objects it does not
    # need. Overdue and awaiting come from the query (with_state), by the ledger's own rules.
    columns = commitments.values_list(
        "pk",
        "party",
        "description",
        "unit_codes",
        "agenda_item__topic__name",
        "agenda_item__title",
        "agenda_item__session__date",
        "owner__username",
        "due_date",
        "trigger",
        "trigger_offset_days",
        "trigger_occurred_on",
        "status",
        "is_overdue",
        "is_awaiting_trigger",
        "resolved_on",
        "resolution_note",
    )

    def rows() -> Iterator[list]:
        for (
            pk,
            party,
            description,
            unit_codes,
            topic,
            title,
            session_date,
            owner,
            due_date,
            trigger,
            offset,
            occurred_on,
            status,
            overdue,
            awaiting,
            resolved_on,
            note,
        ) in columns.iterator(chunk_size=CHUNK_SIZE):
            yield [
                pk,
                PARTY_LABELS[party],
                description,
                join_unit_codes((unit_codes or "").split(",")),
                topic,
                title,
                session_date.isoformat(),
                owner or "",
                due_date.isoformat() if due_date else "",
                trigger,
                offset,
                occurred_on.isoformat() if occurred_on else "",
                STATUS_LABELS[status],
                (today - due_date).days if overdue else None,
                (today - session_date).days if awaiting else None,
                resolved_on.isoformat() if resolved_on else "",
                note,
            ]

    filename = f"commitments-{slug}-{today.isoformat()}.csv"
    return csv_response(filename, COMMITMENT_CSV_HEADER, rows())


def scorecard(request: HttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "sessions/reports/scorecard.html",
        admin_context(
            request,
            "Scorecard",
            rows=scorecard_table(today, *scorecard_scope(request)),
            parties=Party.labels,
            today=today,
        ),
    )


def scorecard_print(request: HttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "sessions/reports/scorecard_print.html",
        {
            "rows": scorecard_table(today, *scorecard_scope(request)),
            "parties": Party.labels,
            "today": today,
        },
    )


def scorecard_csv(request: HttpRequest) -> StreamingHttpResponse:
    today = timezone.localdate()
    header = ["unit", "unit name", "year"]
    for label in Party.labels:
        header += [f"{label} {column.replace('_', ' ')}" for column in SCORECARD_COLUMNS]
        header.append(f"{label} on-time rate %")

    def rows() -> Iterator[list]:
        for row in scorecard_rows(today, *scorecard_scope(request)):
            cells = [row["unit_code"], row["unit_name"], row["year"]]
            for party in Party.values:
                cells += [row[f"{party}_{column}"] for column in SCORECARD_COLUMNS]
                cells.append(rate(row[f"{party}_on_time_rate"]))
            yield cells

    return csv_response(f"scorecard-{today.isoformat()}.csv", header, rows())


# --- Topic history -----------------------------------------------------------------------------


def topic_list(request: HttpRequest) -> TemplateResponse:
    if reads_every_unit(request.user):
        # The whole record's counts, kept while it does not change (queries.kept).
        counts = kept_topic_counts()
        page = Paginator(Topic.objects.order_by("name"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        for topic in page:
            topic.session_count, topic.commitment_count = counts.get(topic.pk, (0, 0))
    else:
        items = agenda_items_reported_to(request.user)
        commitments = Commitment.objects.filter(agenda_item__in=items.values("pk"))
        # Counted per topic of the page (subqueries on the topic's index), not by joining every
        # item and commitment of the record to every topic and grouping.
        sessions = (
            items.filter(topic=OuterRef("pk"))
            .order_by()
            .values("topic")
            .annotate(n=Count("session", distinct=True))
            .values("n")
        )
        topics = Topic.objects.annotate(
            session_count=Coalesce(Subquery(sessions, output_field=IntegerField()), Value(0)),
            commitment_count=count_of(commitments, "agenda_item__topic"),
        ).order_by("name")
        page = Paginator(topics, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "sessions/reports/topic_list.html",
        admin_context(request, "Topic histories", page=page),
    )


def topic_history(request: HttpRequest, pk: int) -> TemplateResponse:
    """A topic's history, a page of agenda items at a time (a topic discussed for years has
    hundreds); the printable view and the CSV hold all of it."""
    topic = get_object_or_404(Topic, pk=pk)
    items = topic_history_items(topic, agenda_items_reported_to(request.user))
    page = Paginator(items, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "sessions/reports/topic_history.html",
        admin_context(
            request,
            f"History of {topic.name}",
            topic=topic,
            items=page,
            page=page,
            today=timezone.localdate(),
        ),
    )


def topic_history_print(request: HttpRequest, pk: int) -> TemplateResponse:
    topic = get_object_or_404(Topic, pk=pk)
    return TemplateResponse(
        request,
        "sessions/reports/topic_history_print.html",
        {
            "topic": topic,
            "items": topic_history_items(topic, agenda_items_reported_to(request.user)),
            "today": timezone.localdate(),
        },
    )


def topic_history_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    header = [
        "session date",
        "session status",
        "units",
        "agenda item",
        "entry",
        "party",
        "kind or status",
        "text",
        "due",
        "resolved on",
        "resolution note",
    ]

    def rows() -> Iterator[list]:
        for item in topic_history_items(topic, agenda_items_reported_to(request.user)):
            session = item.session
            common = [session.date.isoformat(), session.get_status_display(), session.unit_codes]
            yield [*common, item.title, "agenda item", "", "", item.outcome, "", "", ""]
            for position in item.positions.all():
                yield [
                    *common,
                    item.title,
                    "position",
                    position.get_party_display(),
                    position.get_kind_display(),
                    position.statement,
                    "",
                    "",
                    "",
                ]
            for commitment in item.commitments.all():
                yield [
                    *common,
                    item.title,
                    "commitment",
                    commitment.get_party_display(),
                    commitment.get_status_display(),
                    commitment.description,
                    commitment.when_due,
                    commitment.resolved_on.isoformat() if commitment.resolved_on else "",
                    commitment.resolution_note,
                ]

    return csv_response(f"topic-{topic.slug}.csv", header, rows())
