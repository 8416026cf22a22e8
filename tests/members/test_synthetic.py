import pytest
from django.core.management import call_command
from django.utils import timezone

from members.synthetic import generate
from sessions.models import AgendaItem, Attendance, Commitment, Position, Session

pytestmark = pytest.mark.django_db


def test_generate_data_creates_commitments_in_every_state(capsys):
    call_command("generate_data", "--sessions", "150", "--seed", "7", "--updates", "5")
    assert "Created 150 sessions" in capsys.readouterr().out
    today = timezone.localdate()
    assert Session.objects.count() == 150
    assert AgendaItem.objects.count() >= 150
    assert Position.objects.count() >= 2 * AgendaItem.objects.count()
    assert Attendance.objects.exists()
    commitments = Commitment.objects.all()
    assert commitments.filter(status="kept").exists()
    assert commitments.filter(status="broken").exists()
    assert commitments.filter(status="withdrawn").exists()
    assert commitments.overdue(today).exists()
    assert commitments.due_within(90, today).exists()
    assert commitments.awaiting_trigger().exists()
    assert commitments.filter(trigger_occurred_on__isnull=False).exists()
    assert Session.objects.filter(status="scheduled").exists()
    # Every row honours the model's own rules, not just the database's.
    for commitment in commitments[:200]:
        commitment.full_clean()


def test_generate_data_can_run_twice():
    first = generate(20, seed=1, updates=0)
    second = generate(20, seed=2, updates=0)
    assert Session.objects.count() == first.sessions + second.sessions == 40


def test_sessions_must_be_positive():
    with pytest.raises(Exception, match="--sessions must be between"):
        call_command("generate_data", "--sessions", "0")


def test_generate_data_writes_member_updates_in_several_states():
    from members.models import Update

    generate(40, seed=3, updates=12)
    updates = Update.objects.all()
    assert updates.filter(status="published").exists()
    assert 0 < updates.count() <= 12
    assert all(update.session.status == "held" for update in updates.select_related("session"))


def test_generate_data_makes_as_many_commitments_as_asked_each_with_its_history(capsys):
    call_command("generate_data", "--commitments", "120", "--seed", "5", "--updates", "0")
    assert "120 commitments" in capsys.readouterr().out
    assert Commitment.objects.count() == 120
    # Every synthetic row has its "created" history row, written in bulk like the row.
    for model in [Session, AgendaItem, Position, Commitment, Attendance]:
        assert model.history.filter(history_type="+").count() == model.objects.count()
    created = Commitment.history.first()
    assert created.history_user is None
    assert created.history_change_reason == "generate_data (synthetic)"
    # The ids written on PostgreSQL (taken from the sequences) hold together.
    assert not Commitment.objects.filter(agenda_item__isnull=True).exists()
    assert AgendaItem.objects.exclude(search_text="").count() == AgendaItem.objects.count()
    for commitment in Commitment.objects.select_related("agenda_item__session")[:50]:
        commitment.full_clean()
