"""A session's history as people read it (sessions/history.py): every part of the record, newest
first, in a fixed number of queries."""

import pytest

from sessions.history import session_history
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def test_the_history_covers_the_session_and_everything_hanging_off_it():
    session = SessionFactory(location="Room 1")
    item = AgendaItemFactory(session=session, title="Testing")
    PositionFactory(agenda_item=item, statement="We propose testing.")
    commitment = CommitmentFactory(agenda_item=item, description="Send names.")
    attendance = AttendanceFactory(session=session, advocate__name="Sarah Singleton")
    commitment.mark_kept(on=commitment.due_date)
    attendance.delete()

    whats = [entry.what for entry in session_history(session)]
    assert whats[0] == "Advocate Sarah Singleton removed"
    assert "County commitment changed: “Send names.”" in whats
    assert "Agenda item “Testing” added" in whats
    assert "County position added: “We propose testing.”" in whats
    assert whats[-1].startswith("Session added")


def test_a_save_that_changed_nothing_is_left_out():
    session = SessionFactory(location="Room 1")
    session.save()
    session.location = "Room 2"
    session.save()
    entries = session_history(session)
    assert [entry.fields for entry in entries] == [["location"], []]


def test_the_history_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    session = SessionFactory()
    for n in range(5):
        item = AgendaItemFactory(session=session, title=f"Item {n}")
        CommitmentFactory(agenda_item=item)
        PositionFactory(agenda_item=item)
    with django_assert_max_num_queries(6):
        session_history(session)
