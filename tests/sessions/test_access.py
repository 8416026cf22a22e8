"""Per-unit scoping (sessions/access.py): what each role may read, change and see on its
calendar, all decided by permissions and the unit assignment."""

import pytest

from sessions.access import (
    sessions_editable_by,
    sessions_on_calendar_of,
    sessions_readable_by,
    units_for,
)
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(unit_005, unit_008):
    return {
        "005": SessionFactory(units=[unit_005]),
        "008": SessionFactory(units=[unit_008]),
        "both": SessionFactory(units=[unit_005, unit_008]),
    }


def test_an_agent_reads_and_changes_the_sessions_of_their_units_only(agent_008, sessions):
    assert list(units_for(agent_008).values_list("code", flat=True)) == ["008"]
    mine = {sessions["008"], sessions["both"]}
    assert set(sessions_readable_by(agent_008)) == mine
    assert set(sessions_editable_by(agent_008)) == mine


def test_communications_reads_every_session_and_changes_none(communications, sessions):
    assert set(sessions_readable_by(communications)) == set(sessions.values())
    assert not sessions_editable_by(communications).exists()
    assert not units_for(communications).exists()


def test_staff_and_superusers_read_and_change_every_session(staff, sessions):
    for user in (staff, UserFactory(is_superuser=True)):
        assert set(sessions_readable_by(user)) == set(sessions.values())
        assert set(sessions_editable_by(user)) == set(sessions.values())


def test_members_and_the_inactive_reach_nothing_of_the_record(member, agent_008, sessions):
    agent_008.is_active = False
    agent_008.save()
    for user in (member, agent_008):
        assert not sessions_readable_by(user).exists()
        assert not sessions_editable_by(user).exists()


def test_a_session_for_two_units_is_listed_once(agent_008, unit_005, sessions):
    unit_005.agents.add(agent_008)
    readable = list(sessions_readable_by(agent_008))
    assert len(readable) == len(set(readable)) == 3


def test_the_calendar_shows_sessions_one_attends_or_whose_unit_one_works_for(
    agent_008, communications, staff, sessions
):
    sessions["005"].upe_staff.add(communications)
    assert set(sessions_on_calendar_of(agent_008)) == {sessions["008"], sessions["both"]}
    assert set(sessions_on_calendar_of(communications)) == {sessions["005"]}
    assert set(sessions_on_calendar_of(staff)) == set(sessions.values())
