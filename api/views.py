"""The endpoints of /api/v1/. Each one starts from the same scoped query as its page
(sessions/access.py, Update.objects.readable_by), so what is out of scope is not found."""

import datetime

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import Field

from members.models import Update
from sessions.access import commitments_reported_to, sessions_readable_by
from sessions.models import AgendaItem, Attendance, BargainingUnit, Session, Topic

from .auth import PersonalToken, PerTokenThrottle
from .pagination import StableCursorPagination
from .schemas import (
    CommitmentOut,
    CommitmentStatusCode,
    Error,
    PartyCode,
    SessionOut,
    SessionStatusCode,
    TopicOut,
    UnitOut,
    UpdateOut,
)

api = NinjaAPI(
    title="UPE Confer API",
    version="1",
    description="Read-only. Authenticate with a personal API token (made on *My account*): "
    "`Authorization: Bearer <token>`. Lists are cursor-paginated: follow `next`.",
    urls_namespace="api-v1",
    auth=PersonalToken(),
    throttle=[PerTokenThrottle()],
    docs_url="/docs",
)

# Every answer a client may meet, so the schema documents them all.
ERRORS = {400: Error, 401: Error, 403: Error, 422: Error, 429: Error}


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise HttpError(403, "Your account may not read this.")


def sessions_with_their_record(request: HttpRequest):
    """The sessions the caller may read, with everything a SessionOut shows prefetched: a fixed
    number of queries whatever the page size."""
    return sessions_readable_by(request.user).prefetch_related(
        "units",
        "upe_staff",
        Prefetch("attendances", queryset=Attendance.objects.select_related("advocate__unit")),
        Prefetch(
            "agenda_items",
            queryset=AgendaItem.objects.select_related("topic").prefetch_related(
                "positions", "commitments__owner"
            ),
        ),
    )


@api.get("/units", url_name="units", response={200: list[UnitOut], **ERRORS}, tags=["record"])
@paginate(StableCursorPagination)
def list_units(request: HttpRequest):
    """Every bargaining unit (their codes and names are on the members' pages too)."""
    return BargainingUnit.objects.all()


@api.get("/topics", url_name="topics", response={200: list[TopicOut], **ERRORS}, tags=["record"])
@paginate(StableCursorPagination)
def list_topics(request: HttpRequest, unit: str | None = Query(None, max_length=10)):
    """Every topic (their names and descriptions are published); `unit`: a unit's code."""
    topics = Topic.objects.prefetch_related("units")
    if unit:
        topics = topics.filter(units__code=unit).distinct()
    return topics


class SessionFilters(Schema):
    unit: str | None = Field(None, max_length=10, description="A unit's code")
    topic: str | None = Field(None, max_length=200, description="A topic's slug")
    status: SessionStatusCode | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@api.get(
    "/sessions", url_name="sessions", response={200: list[SessionOut], **ERRORS}, tags=["record"]
)
@paginate(StableCursorPagination)
def list_sessions(request: HttpRequest, filters: Query[SessionFilters]):
    """The sessions the caller reads on the pages (every unit for Staff and Communications, their
    units for a business agent), with agenda items, positions and commitments in order."""
    require(request, "confer.view_session")
    sessions = sessions_with_their_record(request)
    if filters.unit:
        sessions = sessions.filter(pk__in=Session.objects.filter(units__code=filters.unit))
    if filters.topic:
        sessions = sessions.filter(
            pk__in=Session.objects.filter(agenda_items__topic__slug=filters.topic)
        )
    if filters.status:
        sessions = sessions.filter(status=filters.status)
    if filters.date_from:
        sessions = sessions.filter(date__gte=filters.date_from)
    if filters.date_to:
        sessions = sessions.filter(date__lte=filters.date_to)
    return sessions


@api.get(
    "/sessions/{session_id}",
    url_name="session",
    response={200: SessionOut, 404: Error, **ERRORS},
    tags=["record"],
)
def get_session(request: HttpRequest, session_id: int):
    """One session, if the caller may read it (404 otherwise, as on the pages)."""
    require(request, "confer.view_session")
    return get_object_or_404(sessions_with_their_record(request), pk=session_id)


class CommitmentFilters(Schema):
    open: bool = Field(False, description="Open only")
    overdue: bool = Field(False, description="Open with a due date that has passed")
    due_within: int | None = Field(
        None, ge=0, le=3650, description="Open and due today or within this many days"
    )
    awaiting_trigger: bool = Field(False, description="Open, waiting for an event")
    status: CommitmentStatusCode | None = None
    unit: str | None = Field(None, max_length=10, description="A unit's code")
    party: PartyCode | None = None
    topic: str | None = Field(None, max_length=200, description="A topic's slug")


@api.get(
    "/commitments",
    url_name="commitments",
    response={200: list[CommitmentOut], **ERRORS},
    tags=["record"],
)
@paginate(StableCursorPagination)
def list_commitments(request: HttpRequest, filters: Query[CommitmentFilters]):
    """The commitments of the follow-up reports (every unit for Staff, their units for a business
    agent), with the reports' filters; they combine."""
    require(request, "confer.run_reports")
    today = timezone.localdate()
    commitments = (
        commitments_reported_to(request.user)
        .with_report_columns()
        .with_state(today)
        .select_related("owner")
    )
    if filters.open:
        commitments = commitments.open()
    if filters.overdue:
        commitments = commitments.overdue(today)
    if filters.due_within is not None:
        commitments = commitments.due_within(filters.due_within, today)
    if filters.awaiting_trigger:
        commitments = commitments.awaiting_trigger()
    if filters.status:
        commitments = commitments.filter(status=filters.status)
    if filters.party:
        commitments = commitments.by_party(filters.party)
    if filters.unit:
        commitments = commitments.for_units_or_topics(
            BargainingUnit.objects.filter(code=filters.unit), Topic.objects.none()
        )
    if filters.topic:
        commitments = commitments.filter(agenda_item__topic__slug=filters.topic)
    return commitments


@api.get(
    "/updates", url_name="updates", response={200: list[UpdateOut], **ERRORS}, tags=["updates"]
)
@paginate(StableCursorPagination)
def list_updates(
    request: HttpRequest,
    unit: str | None = Query(None, max_length=10, description="A unit's code"),
    topic: str | None = Query(None, max_length=200, description="A topic's slug"),
):
    """Published updates, as the members' pages show them to the caller: members-only ones to
    member accounts (and those who edit updates), never a draft, a scheduled one before its time
    or a withdrawn one."""
    updates = Update.objects.readable_by(request.user).published().with_labels()
    if unit:
        updates = updates.filter(units__code=unit).distinct()
    if topic:
        updates = updates.filter(topics__slug=topic).distinct()
    return updates
