"""A backup restored into an empty database gives back exactly what was there."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection

from members.demo import load_demo
from sessions.models import Advocate, BargainingUnit, Commitment, Session
from tests.factories import (
    AdvocateFactory,
    AgendaItemFactory,
    AttendanceFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
)
from upe_confer.backup import fingerprint

# pg_dump reads the database from another process: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

FORMATS = ["json", *(["pg"] if connection.vendor == "postgresql" else [])]


def generate_data(sessions: int) -> None:
    """The demo record plus sessions with everything hanging off them, edits and deletions."""
    call_command("setup_roles", verbosity=0)
    load_demo()
    agent = UserFactory(username="agent")
    agent.groups.add(Group.objects.get(name="Business agent"))
    for n in range(sessions):
        unit = BargainingUnitFactory()
        unit.agents.add(agent)
        session = SessionFactory(
            date=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
            units=[unit],
            logged_by=agent,
            summary=f"Session {n}: «quotes», accents é and emoji ✊",
        )
        item = AgendaItemFactory(session=session, topic=TopicFactory(), order=1)
        item.topic.units.add(unit)
        PositionFactory(agenda_item=item, order=1)
        commitment = CommitmentFactory(agenda_item=item, order=1, owner=agent)
        AttendanceFactory(session=session, advocate=AdvocateFactory(unit=unit))
        if n % 2:
            commitment.mark_kept(on=datetime.date(2024, 6, 1), note="Done.")
    # History that names a user who has since been deleted must survive too.
    leaver = UserFactory(username="leaver")
    SessionFactory(date=datetime.date(2025, 2, 3), logged_by=leaver)
    leaver.delete()
    Topic = TopicFactory._meta.model
    Topic.objects.filter(name="Topic 0").update(description="Edited after the fact.")
    doomed = BargainingUnitFactory(code="999")
    doomed.delete()


def empty_the_database() -> None:
    # What a new database holds after `migrate`: tables, content types and permissions.
    call_command("flush", interactive=False, verbosity=0)
    assert not Session.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_backup_then_restore_into_an_empty_database_changes_nothing(tmp_path, fmt, capsys):
    generate_data(sessions=12)
    before = fingerprint()
    assert before["confer.Session"]["rows"] == 15
    assert before["confer.HistoricalSession"]["rows"] >= 15
    assert before["confer.HistoricalAdvocate"]["rows"] >= 12
    path = tmp_path / ("backup.dump" if fmt == "pg" else "backup.json.gz")

    call_command("backup", output=path, format=fmt)
    empty_the_database()
    call_command("restore", path)

    after = fingerprint()
    assert after == before
    assert "Restored" in capsys.readouterr().out
    # Sequences follow the restored rows: new records get new ids.
    unit = BargainingUnit.objects.get(code="008")
    SessionFactory(date=datetime.date(2026, 1, 5), units=[unit])
    CommitmentFactory(due_date=datetime.date(2026, 2, 1))
    assert Advocate.objects.filter(name="Jeannine Lopez").exists()
    assert Commitment.objects.filter(status="kept").count() == 6


@pytest.mark.parametrize("fmt", FORMATS)
def test_restore_refuses_a_database_that_holds_data(tmp_path, fmt):
    load_demo()
    path = tmp_path / ("backup.dump" if fmt == "pg" else "backup.json")
    call_command("backup", output=path, format=fmt)
    before = fingerprint()
    with pytest.raises(CommandError, match="The database is not empty") as refused:
        call_command("restore", path)
    assert "confer.Session (2)" in str(refused.value)
    assert fingerprint() == before


def test_backup_never_overwrites_a_file(tmp_path):
    path = tmp_path / "backup.json"
    path.write_text("precious")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=path, format="json")
    assert path.read_text() == "precious"


def test_restore_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", tmp_path / "nothing.json")
