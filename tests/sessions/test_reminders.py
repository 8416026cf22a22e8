"""send_reminders, the daily follow-up digest: one email per person per day, reaching every open
commitment that needs attention — with or without a UPE owner."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from sessions import reminders
from sessions.models import Party, ReminderLog
from tests.factories import (
    AgendaItemFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    SessionFactory,
    UserFactory,
)
from upe_confer.roles import Role, setup_roles

pytestmark = pytest.mark.django_db

# Late evening of June 1 in Sacramento (already June 2 in UTC).
EVENING_JUNE_1 = datetime.datetime(2024, 6, 2, 5, 0, tzinfo=datetime.UTC)
MORNING_JUNE_2 = datetime.datetime(2024, 6, 2, 16, 0, tzinfo=datetime.UTC)


def owner_with_commitments():
    owner = UserFactory(username="sarah", email="sarah@upe.example")
    CommitmentFactory(owner=owner, description="Overdue list", due_date=datetime.date(2024, 5, 20))
    CommitmentFactory(owner=owner, description="Due soon data", due_date=datetime.date(2024, 6, 10))
    CommitmentFactory(owner=owner, description="Far away", due_date=datetime.date(2024, 8, 1))
    CommitmentFactory(
        owner=owner,
        description="Awaiting",
        due_date=None,
        trigger="after x",
        agenda_item=AgendaItemFactory(session=SessionFactory(date=datetime.date(2024, 5, 20))),
    )
    CommitmentFactory(
        owner=owner, description="Already kept", due_date=datetime.date(2024, 5, 1)
    ).mark_kept(on=datetime.date(2024, 5, 1))
    return owner


def test_each_owner_gets_one_email_with_overdue_and_due_soon_commitments(capsys):
    owner_with_commitments()
    CommitmentFactory(owner=UserFactory(email=""), due_date=datetime.date(2024, 5, 20))
    with time_machine.travel(EVENING_JUNE_1, tick=False):
        call_command("send_reminders", "--days", "14")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sarah@upe.example"]
    assert message.subject == "UPE Confer follow-up: 1 overdue, 1 due within 14 days"
    assert "Overdue list" in message.body and "Due soon data" in message.body
    assert "Far away" not in message.body and "Already kept" not in message.body
    assert "Awaiting" not in message.body  # waiting for its trigger only since May 2024
    assert "June 1, 2024" in message.body  # Sacramento's date, not UTC's.
    assert "sent 1 digest(s)" in capsys.readouterr().out


def test_running_twice_the_same_day_sends_nothing_twice(capsys):
    owner_with_commitments()
    with time_machine.travel(EVENING_JUNE_1, tick=False):
        call_command("send_reminders")
        call_command("send_reminders")
    assert len(mail.outbox) == 1
    assert "1 already sent today" in capsys.readouterr().out
    assert ReminderLog.objects.get().sent_on == datetime.date(2024, 6, 1)
    with time_machine.travel(MORNING_JUNE_2, tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 2


def test_a_failed_send_is_not_logged_so_the_next_run_retries(monkeypatch):
    owner_with_commitments()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with time_machine.travel(EVENING_JUNE_1, tick=False):
        monkeypatch.setattr(reminders, "send_mail", refuse)
        with pytest.raises(Exception, match="Could not send to: sarah@upe.example"):
            call_command("send_reminders")
        assert not ReminderLog.objects.exists()
        monkeypatch.undo()
        call_command("send_reminders")
    assert len(mail.outbox) == 1


def test_days_must_be_sensible():
    with pytest.raises(Exception, match="--days must be 0–365"):
        call_command("send_reminders", "--days", "-1")


def commitment(description, unit, party=Party.COUNTY, session_date=datetime.date(2024, 5, 1), **kw):
    session = SessionFactory(date=session_date, units=[unit])
    return CommitmentFactory(
        description=description,
        party=party,
        agenda_item=AgendaItemFactory(session=session),
        **kw,
    )


def test_staff_and_agents_hear_of_every_commitment_that_needs_attention_without_an_owner():
    roles = setup_roles()
    unit_005, unit_008 = BargainingUnitFactory(code="005"), BargainingUnitFactory(code="008")
    staff = UserFactory(username="staff", email="staff@upe.example", is_staff=True)
    staff.groups.add(roles[Role.STAFF])
    agent = UserFactory(username="agent", email="agent@upe.example")
    agent.groups.add(roles[Role.BUSINESS_AGENT])
    unit_008.agents.add(agent)
    no_date = {"due_date": None}
    commitment("County overdue", unit_008, due_date=datetime.date(2024, 5, 20))
    commitment("County due soon", unit_005, due_date=datetime.date(2024, 6, 10))
    commitment("County stale trigger", unit_005, trigger="after training", **no_date)
    commitment(
        "County fresh trigger",
        unit_008,
        trigger="after rollout",
        session_date=datetime.date(2024, 5, 25),
        **no_date,
    )
    commitment("County undated", unit_008, **no_date)
    commitment("County far away", unit_008, due_date=datetime.date(2024, 9, 1))
    commitment("UPE undated", unit_008, party=Party.UPE, **no_date)
    commitment("UPE of 005 overdue", unit_005, party=Party.UPE, due_date=datetime.date(2024, 5, 2))
    with time_machine.travel(MORNING_JUNE_2, tick=False):
        run = reminders.send_reminders(datetime.date(2024, 6, 2), days=14, stale_days=30)
    assert sorted(run.sent) == ["agent@upe.example", "staff@upe.example"]
    by_address = {message.to[0]: message.body for message in mail.outbox}
    staff_digest = by_address["staff@upe.example"]
    for listed in ["County overdue", "County due soon", "County stale trigger", "County undated"]:
        assert listed in staff_digest
    for not_listed in ["County fresh trigger", "County far away", "UPE undated", "UPE of 005"]:
        assert not_listed not in staff_digest
    assert "/admin/reports/overdue/" in staff_digest
    assert "/admin/reports/awaiting-trigger/" in staff_digest
    assert "/admin/reports/undated/" in staff_digest
    agent_digest = by_address["agent@upe.example"]  # unit 008 only, both parties
    for listed in ["County overdue", "County undated", "UPE undated"]:
        assert listed in agent_digest
    for not_listed in ["County due soon", "County stale trigger", "UPE of 005", "far away"]:
        assert not_listed not in agent_digest
    assert "/agent/" in agent_digest
