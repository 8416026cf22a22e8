"""The record's named operations (sessions/operations.py): logging a session all or nothing,
marking it held, following commitments up, recording triggers."""

import datetime

import pytest
from django.db import IntegrityError

from sessions.locking import StaleSession
from sessions.models import AgendaItem, Commitment, Position, Session, Topic
from sessions.operations import (
    AgendaEntry,
    NewAdvocate,
    SessionLog,
    cancel_session,
    follow_up,
    log_session,
    mark_held,
    record_trigger,
)
from tests.factories import (
    AdvocateFactory,
    AgendaItemFactory,
    CommitmentFactory,
    SessionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def due(day: datetime.date) -> Commitment:
    return CommitmentFactory(due_date=day)


def awaiting(offset: int | None = None) -> Commitment:
    item = AgendaItemFactory(session=SessionFactory(date=datetime.date(2024, 3, 1)))
    return CommitmentFactory(
        agenda_item=item, due_date=None, trigger="after the training", trigger_offset_days=offset
    )


def cares_testing_log(unit, **session_fields) -> SessionLog:
    return SessionLog(
        session=Session(date=datetime.date(2023, 9, 15), **session_fields),
        read_version=None,
        units=[unit],
        units_offered=[unit],
        advocates=[AdvocateFactory(unit=unit, name="Sarah Singleton")],
        new_advocates=[NewAdvocate("Eric Booker", unit)],
        agenda=[
            AgendaEntry(
                item=AgendaItem(title="Staff testing of CARES"),
                new_topic="CARES testing",
                positions=[
                    Position(party="county", kind="proposal", statement="Staff test CARES."),
                    Position(party="upe", kind="counter", statement="Volunteers only."),
                ],
                commitments=[
                    Commitment(party="upe", description="Send names.", trigger="after the call")
                ],
            )
        ],
    )


def test_logging_a_session_saves_every_part_in_order(unit_008, agent_008):
    session = log_session(cares_testing_log(unit_008, location="Zoom"), by=agent_008)
    session.refresh_from_db()
    assert session.logged_by == agent_008 and session.status == Session.Status.SCHEDULED
    assert list(session.units.all()) == [unit_008]
    assert sorted(a.name for a in session.advocates.all()) == ["Eric Booker", "Sarah Singleton"]
    item = session.agenda_items.get()
    assert item.order == 1 and item.topic.name == "CARES testing"
    assert [(p.order, p.party) for p in item.positions.all()] == [(1, "county"), (2, "upe")]
    assert item.commitments.get().trigger == "after the call"


def test_logging_and_marking_held_at_once(unit_008, agent_008):
    session = log_session(cares_testing_log(unit_008), by=agent_008, mark_held=True)
    assert Session.objects.get(pk=session.pk).status == Session.Status.HELD


def test_a_topic_typed_by_name_is_the_existing_one_whatever_its_case(unit_008, agent_008):
    existing = TopicFactory(name="CARES Testing")
    session = log_session(cares_testing_log(unit_008), by=agent_008)
    assert session.agenda_items.get().topic == existing
    assert Topic.objects.count() == 1


def test_a_row_the_database_refuses_saves_nothing_at_all(unit_008, agent_008):
    log = cares_testing_log(unit_008)
    log.agenda[0].commitments[0].trigger = ""
    log.agenda[0].commitments[0].trigger_occurred_on = datetime.date(2023, 9, 20)  # of no trigger
    with pytest.raises(IntegrityError):
        log_session(log, by=agent_008)
    assert not Session.objects.exists() and not Topic.objects.exists()


def test_a_change_made_from_a_stale_version_is_refused_and_saves_nothing(unit_008, agent_008):
    session = log_session(cares_testing_log(unit_008, location="Zoom"), by=agent_008)
    session = Session.objects.get(pk=session.pk)
    session.location = "Room 2"
    log = SessionLog(session=session, read_version=0, units=[unit_008], units_offered=[unit_008])
    with pytest.raises(StaleSession):
        log_session(log, by=agent_008)
    assert Session.objects.get(pk=session.pk).location == "Zoom"


def test_marking_held_needs_the_version_read():
    session = SessionFactory(status=Session.Status.SCHEDULED)
    assert not mark_held(session, read_version=7)
    assert mark_held(session, read_version=1)
    assert Session.objects.get(pk=session.pk).status == Session.Status.HELD


def test_record_trigger_skips_commitments_not_awaiting():
    waiting, dated = awaiting(offset=7), due(datetime.date(2024, 3, 1))
    outcome = record_trigger([waiting, dated], on=datetime.date(2024, 4, 1))
    assert (outcome.resolved, outcome.skipped) == (1, 1)
    assert dated.due_date == datetime.date(2024, 3, 1)
    assert waiting.due_date == datetime.date(2024, 4, 8)


def test_resolving_in_bulk_keeps_history_and_skips_settled_ones():
    first, second = due(datetime.date(2024, 3, 1)), due(datetime.date(2024, 3, 2))
    second.withdraw(on=datetime.date(2024, 3, 1))
    outcome = follow_up(
        [(first, Commitment.Status.BROKEN, "No list came."), (second, "broken", "")],
        on=datetime.date(2024, 3, 9),
    )
    assert (outcome.resolved, outcome.skipped) == (1, 1)
    first.refresh_from_db()
    assert first.status == "broken" and first.resolution_note == "No list came."
    assert first.history.first().status == "broken"


def test_follow_up_at_a_session_dates_the_outcome_and_records_the_session():
    session = SessionFactory(date=datetime.date(2024, 3, 1))
    kept, broken, left_open = (due(datetime.date(2024, 2, 1)) for _ in range(3))
    outcome = follow_up(
        [(kept, "kept", "The list arrived."), (broken, "broken", ""), (left_open, "", "")],
        session=session,
    )
    assert outcome.resolved == 2
    for commitment in (kept, broken, left_open):
        commitment.refresh_from_db()
    assert (kept.status, kept.resolved_on, kept.followed_up_in) == (
        "kept",
        datetime.date(2024, 3, 1),
        session,
    )
    assert broken.status == "broken" and broken.followed_up_in == session
    assert left_open.status == "open" and left_open.followed_up_in is None


def test_cancelling_needs_the_version_read_and_keeps_the_session_in_its_history():
    session = SessionFactory(status=Session.Status.SCHEDULED)
    assert not cancel_session(session, read_version=7)
    assert cancel_session(session, read_version=1)
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert session.history.first().status == Session.Status.CANCELLED
