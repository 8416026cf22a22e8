"""What the API answers, field by field. Published and internal text follow the record's rules:
internal fields (internal notes, location, attendees, trigger and resolution notes) appear only
in sessions and commitments, which only those who read the record in the admin may list."""

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from sessions.models import CommitmentStatus, Party, PositionKind, SessionStatus, TopicStatus

PartyCode = Literal[tuple(Party.values)]
CommitmentStatusCode = Literal[tuple(CommitmentStatus.values)]
SessionStatusCode = Literal[tuple(SessionStatus.values)]


class Error(Schema):
    detail: Any


class UnitOut(Schema):
    id: int
    code: str
    name: str
    active: bool


class TopicOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    status: Literal[tuple(TopicStatus.values)]
    units: list[str] = Field(description="Unit codes")

    @staticmethod
    def resolve_units(topic) -> list[str]:
        return sorted(unit.code for unit in topic.units.all())


class PositionOut(Schema):
    order: int
    party: PartyCode
    kind: Literal[tuple(PositionKind.values)]
    statement: str


class CommitmentFields(Schema):
    id: int
    order: int
    party: PartyCode
    description: str
    owner: str | None
    due_date: datetime.date | None
    trigger: str
    trigger_offset_days: int | None
    trigger_occurred_on: datetime.date | None
    trigger_note: str = Field(description="Internal")
    when_due: str = Field(description="The due date or the trigger in words")
    status: CommitmentStatusCode
    resolved_on: datetime.date | None
    resolution_note: str = Field(description="Internal")
    followed_up_in: int | None = Field(None, description="The session where it was followed up")

    @staticmethod
    def resolve_owner(commitment) -> str | None:
        owner = commitment.owner
        return (owner.get_full_name() or owner.get_username()) if owner else None

    @staticmethod
    def resolve_followed_up_in(commitment) -> int | None:
        return commitment.followed_up_in_id


class AgendaItemOut(Schema):
    id: int
    order: int
    topic: str = Field(description="The topic's slug")
    title: str
    discussion: str
    outcome: str
    member_guidance: str
    union_view: str
    internal_notes: str = Field(description="Internal")
    positions: list[PositionOut]
    commitments: list[CommitmentFields]

    @staticmethod
    def resolve_topic(item) -> str:
        return item.topic.slug

    @staticmethod
    def resolve_positions(item) -> list:
        return list(item.positions.all())

    @staticmethod
    def resolve_commitments(item) -> list:
        return list(item.commitments.all())


class AdvocateOut(Schema):
    name: str
    unit: str | None = Field(description="The advocate's unit code, when known")


class SessionOut(Schema):
    id: int
    date: datetime.date
    start_time: datetime.time | None
    status: SessionStatusCode
    units: list[str] = Field(description="Unit codes")
    location: str = Field(description="Internal")
    county_attendees: list[str] = Field(description="Internal")
    upe_staff: list[str] = Field(description="Internal")
    upe_attendees: list[str] = Field(description="Internal")
    advocates: list[AdvocateOut] = Field(description="In the order recorded")
    summary: str
    next_steps: str
    internal_notes: str = Field(description="Internal")
    agenda_items: list[AgendaItemOut]

    @staticmethod
    def resolve_units(session) -> list[str]:
        return sorted(unit.code for unit in session.units.all())

    @staticmethod
    def resolve_county_attendees(session) -> list[str]:
        return session.county_attendee_names()

    @staticmethod
    def resolve_upe_attendees(session) -> list[str]:
        return session.upe_attendee_names()

    @staticmethod
    def resolve_upe_staff(session) -> list[str]:
        return [user.get_full_name() or user.get_username() for user in session.upe_staff.all()]

    @staticmethod
    def resolve_advocates(session) -> list[dict]:
        return [
            {
                "name": attendance.advocate.name,
                "unit": attendance.advocate.unit.code if attendance.advocate.unit else None,
            }
            for attendance in session.attendances.all()
        ]

    @staticmethod
    def resolve_agenda_items(session) -> list:
        return list(session.agenda_items.all())


class CommitmentOut(CommitmentFields):
    session: int
    session_date: datetime.date
    units: list[str] = Field(description="The session's unit codes")
    topic: str = Field(description="The topic's slug")
    agenda_item: int
    agenda_item_title: str
    is_overdue: bool
    is_awaiting_trigger: bool

    @staticmethod
    def resolve_session(commitment) -> int:
        return commitment.agenda_item.session_id

    @staticmethod
    def resolve_session_date(commitment) -> datetime.date:
        return commitment.agenda_item.session.date

    @staticmethod
    def resolve_units(commitment) -> list[str]:
        return sorted(code for code in (commitment.unit_codes or "").split(",") if code)

    @staticmethod
    def resolve_topic(commitment) -> str:
        return commitment.agenda_item.topic.slug

    @staticmethod
    def resolve_agenda_item(commitment) -> int:
        return commitment.agenda_item_id

    @staticmethod
    def resolve_is_overdue(commitment) -> bool:
        # NULL in SQL when it has no due date: not overdue.
        return bool(commitment.is_overdue)

    @staticmethod
    def resolve_is_awaiting_trigger(commitment) -> bool:
        return bool(commitment.is_awaiting_trigger)

    @staticmethod
    def resolve_agenda_item_title(commitment) -> str:
        return commitment.agenda_item.title


class UpdateOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    body: str = Field(description="Markdown")
    body_html: str = Field(description="The body rendered and sanitised, as the page shows it")
    units: list[str] = Field(description="Unit codes")
    topics: list[str] = Field(description="Topic slugs")
    visibility: Literal["public", "members"]
    publish_at: datetime.datetime | None
    url: str = Field(description="The update's page")

    @staticmethod
    def resolve_units(update) -> list[str]:
        return sorted(unit.code for unit in update.units.all())

    @staticmethod
    def resolve_topics(update) -> list[str]:
        return sorted(topic.slug for topic in update.topics.all())

    @staticmethod
    def resolve_url(update) -> str:
        return update.get_absolute_url()
