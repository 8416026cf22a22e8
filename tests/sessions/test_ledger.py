"""The rules of the commitment ledger (sessions/models.py): overdue and awaiting-trigger
boundaries in Sacramento time, triggers, carry-over."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions.models import Commitment
from tests.factories import (
    AgendaItemFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    SessionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

# 23:30 on March 31 in Sacramento is already April 1 in UTC.
LATE_EVENING_MARCH_31_PACIFIC = datetime.datetime(2024, 4, 1, 6, 30, tzinfo=datetime.UTC)
JUST_AFTER_MIDNIGHT_APRIL_1_PACIFIC = datetime.datetime(2024, 4, 1, 7, 30, tzinfo=datetime.UTC)


def due(day: datetime.date) -> Commitment:
    return CommitmentFactory(due_date=day)


def with_state(commitment: Commitment, today: datetime.date | None = None) -> Commitment:
    """The commitment read back with the flags `with_state()` works out in the query."""
    return (
        Commitment.objects.with_state(today)
        .select_related("agenda_item__session")
        .get(pk=commitment.pk)
    )


@time_machine.travel(LATE_EVENING_MARCH_31_PACIFIC, tick=False)
def test_due_today_in_sacramento_is_not_overdue_even_when_utc_has_moved_on():
    today = due(datetime.date(2024, 3, 31))
    yesterday = due(datetime.date(2024, 3, 30))
    assert set(Commitment.objects.overdue()) == {yesterday}
    assert not with_state(today).is_overdue and with_state(yesterday).is_overdue
    assert set(Commitment.objects.due_within(14)) == {today}


@time_machine.travel(JUST_AFTER_MIDNIGHT_APRIL_1_PACIFIC, tick=False)
def test_due_yesterday_is_overdue_just_after_midnight_in_sacramento():
    yesterday = due(datetime.date(2024, 3, 31))
    today = due(datetime.date(2024, 4, 1))
    assert set(Commitment.objects.overdue()) == {yesterday}
    assert with_state(yesterday).is_overdue and not with_state(today).is_overdue


def test_a_settled_commitment_is_never_overdue():
    kept = due(datetime.date(2024, 3, 1))
    kept.mark_kept(on=datetime.date(2024, 3, 5))
    assert not Commitment.objects.overdue(datetime.date(2024, 4, 1)).exists()


def awaiting(offset: int | None = None, session_date=datetime.date(2024, 3, 1)) -> Commitment:
    item = AgendaItemFactory(session=SessionFactory(date=session_date))
    return CommitmentFactory(
        agenda_item=item,
        due_date=None,
        trigger="after the volunteers finish report-writing training",
        trigger_offset_days=offset,
    )


def test_awaiting_trigger_until_the_trigger_is_recorded_then_due_after_the_offset():
    commitment = awaiting(offset=30)
    assert list(Commitment.objects.awaiting_trigger()) == [commitment]
    commitment.record_trigger(on=datetime.date(2024, 5, 10), note="Training finished.")
    commitment.refresh_from_db()
    assert commitment.due_date == datetime.date(2024, 6, 9)
    assert commitment.trigger_note == "Training finished."
    assert not Commitment.objects.awaiting_trigger().exists()
    assert not with_state(commitment, datetime.date(2024, 6, 9)).is_overdue
    assert with_state(commitment, datetime.date(2024, 6, 10)).is_overdue
    assert (
        with_state(commitment, datetime.date(2024, 6, 12)).days_overdue(datetime.date(2024, 6, 12))
        == 3
    )


def test_a_trigger_without_offset_falls_due_the_day_it_happens():
    commitment = awaiting(offset=None)
    commitment.record_trigger(on=datetime.date(2024, 5, 10))
    assert commitment.due_date == datetime.date(2024, 5, 10)


def test_days_waiting_counts_from_the_session_in_sacramento_time():
    commitment = awaiting(session_date=datetime.date(2024, 3, 1))
    with time_machine.travel(LATE_EVENING_MARCH_31_PACIFIC, tick=False):
        assert with_state(commitment).days_waiting(timezone.localdate()) == 30
    with time_machine.travel(JUST_AFTER_MIDNIGHT_APRIL_1_PACIFIC, tick=False):
        assert with_state(commitment).days_waiting(timezone.localdate()) == 31


def test_a_dated_commitment_has_no_trigger_to_record():
    with pytest.raises(ValidationError):
        due(datetime.date(2024, 3, 1)).record_trigger(on=datetime.date(2024, 3, 2))


def test_carry_over_lists_open_commitments_of_the_units_and_topics_on_the_agenda():
    unit, other_unit = BargainingUnitFactory(code="008"), BargainingUnitFactory(code="005")
    pilot, cares, parking = TopicFactory(), TopicFactory(), TopicFactory()
    earlier = SessionFactory(date=datetime.date(2024, 1, 10), units=[unit])
    elsewhere = SessionFactory(date=datetime.date(2024, 1, 12), units=[other_unit])
    today = SessionFactory(date=datetime.date(2024, 3, 1), units=[unit])
    later = SessionFactory(date=datetime.date(2024, 5, 1), units=[unit])
    AgendaItemFactory(session=today, topic=cares, order=1)

    same_unit = CommitmentFactory(agenda_item=AgendaItemFactory(session=earlier, topic=pilot))
    same_topic = CommitmentFactory(agenda_item=AgendaItemFactory(session=elsewhere, topic=cares))
    unrelated = CommitmentFactory(agenda_item=AgendaItemFactory(session=elsewhere, topic=parking))
    made_today = CommitmentFactory(agenda_item=AgendaItemFactory(session=today, topic=pilot))
    made_later = CommitmentFactory(agenda_item=AgendaItemFactory(session=later, topic=pilot))
    settled = CommitmentFactory(agenda_item=AgendaItemFactory(session=earlier, topic=pilot))
    settled.mark_kept(on=datetime.date(2024, 2, 1))

    listed = set(Commitment.objects.carry_over_for(today))
    assert listed == {same_unit, same_topic}
    assert not {unrelated, made_today, made_later, settled} & listed
