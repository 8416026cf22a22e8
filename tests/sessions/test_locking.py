"""Optimistic locking (sessions/locking.py): a save made from a stale version is refused, and
the refusal says who changed what."""

import pytest

from sessions.locking import (
    StaleSession,
    bump_version,
    claim_version,
    stale_message,
    version_changes,
)
from sessions.models import Session
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_claiming_the_version_read_moves_it_on_and_a_second_claim_is_stale():
    session = SessionFactory(location="Room 1")
    claim_version(session, 1)
    assert Session.objects.get(pk=session.pk).version == session.version == 2
    with pytest.raises(StaleSession):
        claim_version(Session.objects.get(pk=session.pk), 1)


def test_a_change_to_a_part_of_the_session_makes_open_forms_stale():
    session = SessionFactory()
    bump_version(session.pk)
    with pytest.raises(StaleSession):
        claim_version(session, 1)


def test_the_changes_since_a_version_name_the_fields_and_the_units(unit_005, unit_008):
    session = SessionFactory(location="Room 1", units=[unit_008])
    session.location = "Room 2"
    session.version = 2
    session.save()
    session.units.add(unit_005)
    changes = version_changes(session, 1)["changes"]
    assert {"field": "location", "old": "Room 1", "new": "Room 2"} in changes


def test_the_refusal_in_words_names_who_saved_and_when_in_local_time(unit_008):
    session = SessionFactory(location="Room 1", units=[unit_008])
    editor = UserFactory(username="pat")
    session._history_user = editor
    session.location = "Room 2"
    session.version = 2
    session.save()
    message = stale_message(session, 1)
    assert message.startswith("Someone else (pat, ")
    assert "location: “Room 1” → “Room 2”" in message
