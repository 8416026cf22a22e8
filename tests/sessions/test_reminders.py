"""send_reminders: one email per owner per day, overdue and due-soon commitments only."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from sessions import reminders
from sessions.models import ReminderLog
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

# Late evening of June 1 in Sacramento (already June 2 in UTC).
EVENING_JUNE_1 = datetime.datetime(2024, 6, 2, 5, 0, tzinfo=datetime.UTC)
MORNING_JUNE_2 = datetime.datetime(2024, 6, 2, 16, 0, tzinfo=datetime.UTC)


def owner_with_commitments():
    owner = UserFactory(username="sarah", email="sarah@upe.example")
    CommitmentFactory(owner=owner, description="Overdue list", due_date=datetime.date(2024, 5, 20))
    CommitmentFactory(owner=owner, description="Due soon data", due_date=datetime.date(2024, 6, 10))
    CommitmentFactory(owner=owner, description="Far away", due_date=datetime.date(2024, 8, 1))
    CommitmentFactory(owner=owner, description="Awaiting", due_date=None, trigger="after x")
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
    assert message.subject == "UPE Confer: 1 overdue, 1 due within 14 days"
    assert "Overdue list" in message.body and "Due soon data" in message.body
    assert "Far away" not in message.body and "Already kept" not in message.body
    assert "Awaiting" not in message.body
    assert "June 1, 2024" in message.body  # Sacramento's date, not UTC's.
    assert "sent 1 reminder(s)" in capsys.readouterr().out


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
    with pytest.raises(Exception, match="--days must be between 0 and 365"):
        call_command("send_reminders", "--days", "-1")
