"""Follow-up reports for Staff, served inside the admin (see CommitmentAdmin.get_urls).

Every report has three renderings: the page (paginated), a printable page and a CSV export
streamed row by row, so a 100,000-row export holds one chunk of rows in memory at a time.
Each runs a constant number of queries, whatever the size of the record.
"""

import csv
import datetime
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from members.roles import Role, has_role

from .models import AgendaItem, BargainingUnit, Commitment, Party, Position, Topic

PARTY_LABELS = dict(Party.choices)
STATUS_LABELS = dict(Commitment.Status.choices)
PAGE_SIZE = 50
DUE_SOON_DAYS = 14
# Nobody prints more; rendering 100,000 rows of HTML would tie up a worker for a minute.
PRINT_LIMIT = 5000
# Rows fetched per database round trip while streaming a CSV or a printable page.
CHUNK_SIZE = 2000


def staff_only(view: Callable) -> Callable:
    """Reports are for the Staff role only (the admin login is checked before this)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not has_role(request.user, Role.STAFF):
            raise PermissionDenied("The follow-up reports are for UPE staff.")
        return view(request, *args, **kwargs)

    return wrapped


# --- CSV -------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe (the OWASP advice against CSV injection)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        # A byte-order mark so Excel reads the file as UTF-8.
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Commitment lists --------------------------------------------------------------------------


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

    def queryset(self, today: datetime.date):
        commitments = Commitment.objects.with_report_columns().only(*REPORT_FIELDS)
        if self.slug == "open":
            # Awaiting a trigger (no due date) last, on every database.
            return commitments.open().order_by(
                F("due_date").asc(nulls_last=True), "agenda_item__session__date", "pk"
            )
        if self.slug == "overdue":
            return commitments.overdue(today).order_by("due_date", "pk")
        if self.slug == "due-soon":
            return commitments.due_within(DUE_SOON_DAYS, today).order_by("due_date", "pk")
        # Awaiting trigger: the longest wait first.
        return commitments.awaiting_trigger().order_by("agenda_item__session__date", "pk")

    @property
    def filters_on_session_date(self) -> bool:
        return self.slug == "awaiting-trigger"


REPORTS = {
    report.slug: report
    for report in [
        CommitmentReport(
            "open", "Open commitments", "Every commitment not yet settled.", "the due date"
        ),
        CommitmentReport(
            "overdue", "Overdue commitments", "Open, and the due date has passed.", "the due date"
        ),
        CommitmentReport(
            "due-soon",
            "Due in the next 14 days",
            "Open, due today or within the next 14 days.",
            "the due date",
        ),
        CommitmentReport(
            "awaiting-trigger",
            "Awaiting a trigger",
            "Open, due after an event that has not been recorded yet; longest wait first.",
            "the date of the session where it was made",
        ),
    ]
}


class ReportFilterForm(forms.Form):
    unit = forms.ModelChoiceField(BargainingUnit.objects.all(), required=False)
    party = forms.ChoiceField(choices=[("", "Both")] + Party.choices, required=False)
    topic = forms.ModelChoiceField(Topic.objects.all(), required=False)
    owner = forms.ModelChoiceField(get_user_model().objects.none(), required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only people who own a commitment: the list stays short whatever the user count.
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(pk__in=Commitment.objects.values("owner"))
            .order_by("username")
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end of the range is before its start.")
        return data

    def apply(self, commitments, on_session_date: bool):
        data = self.cleaned_data
        if data.get("unit"):
            commitments = commitments.filter(
                pk__in=Commitment.objects.filter(agenda_item__session__units=data["unit"]).values(
                    "pk"
                )
            )
        if data.get("party"):
            commitments = commitments.by_party(data["party"])
        if data.get("topic"):
            commitments = commitments.filter(agenda_item__topic=data["topic"])
        if data.get("owner"):
            commitments = commitments.filter(owner=data["owner"])
        field = "agenda_item__session__date" if on_session_date else "due_date"
        if data.get("date_from"):
            commitments = commitments.filter(**{f"{field}__gte": data["date_from"]})
        if data.get("date_to"):
            commitments = commitments.filter(**{f"{field}__lte": data["date_to"]})
        return commitments


def report_or_404(slug: str) -> CommitmentReport:
    try:
        return REPORTS[slug]
    except KeyError:
        raise Http404("No such report.") from None


def filtered_commitments(request: HttpRequest, report: CommitmentReport, today: datetime.date):
    form = ReportFilterForm(request.GET or None)
    commitments = report.queryset(today)
    if form.is_bound:
        commitments = (
            form.apply(commitments, report.filters_on_session_date)
            if form.is_valid()
            else commitments.none()
        )
    return form, commitments


def admin_context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


@staff_only
def report_index(request: HttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    counts = Commitment.objects.aggregate(
        open=Count("pk", filter=Q(status="open")),
        overdue=Count("pk", filter=Q(status="open", due_date__lt=today)),
        due_soon=Count(
            "pk",
            filter=Q(
                status="open",
                due_date__gte=today,
                due_date__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
            ),
        ),
        awaiting_trigger=Count(
            "pk",
            filter=Q(status="open", due_date__isnull=True, trigger_occurred_on__isnull=True)
            & ~Q(trigger=""),
        ),
    )
    reports = [(report, counts[report.slug.replace("-", "_")]) for report in REPORTS.values()]
    return TemplateResponse(
        request,
        "admin/confer/reports/index.html",
        admin_context(request, "Follow-up reports", reports=reports, today=today),
    )


@staff_only
def commitment_report(request: HttpRequest, slug: str) -> TemplateResponse:
    report = report_or_404(slug)
    today = timezone.localdate()
    form, commitments = filtered_commitments(request, report, today)
    page = Paginator(commitments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "admin/confer/reports/commitments.html",
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


@staff_only
def commitment_report_print(request: HttpRequest, slug: str) -> TemplateResponse:
    report = report_or_404(slug)
    today = timezone.localdate()
    form, commitments = filtered_commitments(request, report, today)
    total = commitments.count()
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


@staff_only
def commitment_report_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    report = report_or_404(slug)
    today = timezone.localdate()
    _, commitments = filtered_commitments(request, report, today)

    def rows() -> Iterator[list]:
        for commitment in commitments.iterator(chunk_size=CHUNK_SIZE):
            row = CommitmentRow(commitment, today)
            yield [
                commitment.pk,
                PARTY_LABELS[commitment.party],
                commitment.description,
                row.unit_codes,
                commitment.agenda_item.topic.name,
                commitment.agenda_item.title,
                commitment.agenda_item.session.date.isoformat(),
                commitment.owner.get_username() if commitment.owner else "",
                commitment.due_date.isoformat() if commitment.due_date else "",
                commitment.trigger,
                commitment.trigger_offset_days,
                commitment.trigger_occurred_on.isoformat()
                if commitment.trigger_occurred_on
                else "",
                STATUS_LABELS[commitment.status],
                row.days_overdue,
                row.days_waiting,
                commitment.resolved_on.isoformat() if commitment.resolved_on else "",
                commitment.resolution_note,
            ]

    filename = f"commitments-{slug}-{today.isoformat()}.csv"
    return csv_response(filename, COMMITMENT_CSV_HEADER, rows())


@functools.cache
def url_pattern(name: str) -> str:
    """reverse() once, not once per row: the URL with "/__pk__/" where the id goes."""
    return reverse(name, args=[0]).replace("/0/", "/__pk__/")


class CommitmentRow:
    """A commitment as a report shows it, with the day counts worked out against `today`.

    Plain attribute work only: a CSV export builds one of these per row, 100,000 times."""

    def __init__(self, commitment: Commitment, today: datetime.date) -> None:
        self.commitment = commitment
        self.unit_codes = ", ".join(sorted((commitment.unit_codes or "").split(",")))
        awaiting = commitment.is_awaiting_trigger()
        self.days_overdue = (
            (today - commitment.due_date).days if commitment.is_overdue(today) else None
        )
        self.days_waiting = (today - commitment.agenda_item.session.date).days if awaiting else None
        self.awaiting = awaiting

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


# --- Scorecard ---------------------------------------------------------------------------------

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


@staff_only
def scorecard(request: HttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "admin/confer/reports/scorecard.html",
        admin_context(
            request,
            "Scorecard",
            rows=scorecard_table(today),
            parties=Party.labels,
            today=today,
        ),
    )


@staff_only
def scorecard_print(request: HttpRequest) -> TemplateResponse:
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "sessions/reports/scorecard_print.html",
        {"rows": scorecard_table(today), "parties": Party.labels, "today": today},
    )


def rate(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@staff_only
def scorecard_csv(request: HttpRequest) -> StreamingHttpResponse:
    today = timezone.localdate()
    header = ["unit", "unit name", "year"]
    for label in Party.labels:
        header += [f"{label} {column.replace('_', ' ')}" for column in SCORECARD_COLUMNS]
        header.append(f"{label} on-time rate %")

    def rows() -> Iterator[list]:
        for row in Commitment.objects.scorecard(today).iterator(chunk_size=CHUNK_SIZE):
            cells = [row["unit_code"], row["unit_name"], row["year"]]
            for party in Party.values:
                cells += [row[f"{party}_{column}"] for column in SCORECARD_COLUMNS]
                cells.append(rate(row[f"{party}_on_time_rate"]))
            yield cells

    return csv_response(f"scorecard-{today.isoformat()}.csv", header, rows())


# --- Topic history -----------------------------------------------------------------------------


@staff_only
def topic_list(request: HttpRequest) -> TemplateResponse:
    topics = Topic.objects.annotate(
        session_count=Count("agenda_items__session", distinct=True),
        commitment_count=Count("agenda_items__commitments", distinct=True),
    ).order_by("name")
    page = Paginator(topics, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "admin/confer/reports/topic_list.html",
        admin_context(request, "Topic histories", page=page),
    )


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


@staff_only
def topic_history(request: HttpRequest, pk: int) -> TemplateResponse:
    topic = get_object_or_404(Topic, pk=pk)
    return TemplateResponse(
        request,
        "admin/confer/reports/topic_history.html",
        admin_context(
            request,
            f"History of {topic.name}",
            topic=topic,
            items=topic_history_items(topic),
            today=timezone.localdate(),
        ),
    )


@staff_only
def topic_history_print(request: HttpRequest, pk: int) -> TemplateResponse:
    topic = get_object_or_404(Topic, pk=pk)
    return TemplateResponse(
        request,
        "sessions/reports/topic_history_print.html",
        {"topic": topic, "items": topic_history_items(topic), "today": timezone.localdate()},
    )


@staff_only
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
        for item in topic_history_items(topic):
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


def report_urls():
    """URL patterns for CommitmentAdmin.get_urls, each behind the admin login and Staff role."""
    wrap = admin.site.admin_view
    return [
        path("reports/", wrap(report_index), name="confer_reports"),
        path("reports/scorecard/", wrap(scorecard), name="confer_report_scorecard"),
        path(
            "reports/scorecard/print/",
            wrap(scorecard_print),
            name="confer_report_scorecard_print",
        ),
        path("reports/scorecard/csv/", wrap(scorecard_csv), name="confer_report_scorecard_csv"),
        path("reports/topics/", wrap(topic_list), name="confer_report_topics"),
        path("reports/topics/<int:pk>/", wrap(topic_history), name="confer_report_topic"),
        path(
            "reports/topics/<int:pk>/print/",
            wrap(topic_history_print),
            name="confer_report_topic_print",
        ),
        path(
            "reports/topics/<int:pk>/csv/",
            wrap(topic_history_csv),
            name="confer_report_topic_csv",
        ),
        path("reports/<slug:slug>/", wrap(commitment_report), name="confer_report_commitments"),
        path(
            "reports/<slug:slug>/print/",
            wrap(commitment_report_print),
            name="confer_report_commitments_print",
        ),
        path(
            "reports/<slug:slug>/csv/",
            wrap(commitment_report_csv),
            name="confer_report_commitments_csv",
        ),
    ]
