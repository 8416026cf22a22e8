import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from sessions.models import (
    PUBLISHED_TEXT,
    BargainingUnit,
    Commitment,
    Party,
    Session,
    text_fields,
)
from tests.factories import (
    AgendaItemFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 5, 10)


def assert_refused_by_database(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


class TestBargainingUnit:
    def test_unit_code_is_unique_in_the_database(self):
        BargainingUnit.objects.create(code="008", name="Unit 008")
        assert_refused_by_database(lambda: BargainingUnit.objects.create(code="008", name="Again"))

    def test_duplicate_code_gets_a_friendly_message(self):
        BargainingUnit.objects.create(code="008", name="Unit 008")
        with pytest.raises(ValidationError) as error:
            BargainingUnit(code="008", name="Again").full_clean()
        assert "A bargaining unit with this code already exists." in str(error.value)

    def test_code_must_look_like_a_unit_code(self):
        with pytest.raises(ValidationError) as error:
            BargainingUnit(code="<b>8", name="Bad").full_clean()
        assert "e.g. 005 or 008" in str(error.value)

    def test_unit_with_sessions_cannot_be_deleted_through_topics(self):
        unit = BargainingUnitFactory(code="005")
        topic = TopicFactory()
        AgendaItemFactory(topic=topic, session=SessionFactory(units=[unit]))
        with pytest.raises(ProtectedError):
            topic.delete()


class TestSession:
    def test_str_names_the_date(self):
        assert str(SessionFactory(date=datetime.date(2020, 1, 17))) == (
            "Meet and confer, January 17, 2020"
        )

    def test_unit_codes_reads_naturally(self):
        session = SessionFactory(
            units=[BargainingUnitFactory(code="008"), BargainingUnitFactory(code="005")]
        )
        assert session.unit_codes == "005 and 008"

    def test_status_must_be_a_known_value(self):
        session = SessionFactory()
        assert_refused_by_database(
            lambda: Session.objects.filter(pk=session.pk).update(status="postponed")
        )

    def test_date_before_1990_is_refused_with_a_message(self):
        session = SessionFactory.build(date=datetime.date(1900, 1, 1))
        with pytest.raises(ValidationError) as error:
            session.full_clean()
        assert "date" in error.value.message_dict

    def test_date_before_1990_is_refused_by_the_database(self):
        session = SessionFactory()
        assert_refused_by_database(
            lambda: Session.objects.filter(pk=session.pk).update(date=datetime.date(1900, 1, 1))
        )

    def test_summary_over_the_length_limit_is_refused(self):
        session = SessionFactory.build(summary="x" * 100_000)
        with pytest.raises(ValidationError) as error:
            session.full_clean()
        assert "summary" in error.value.message_dict

    def test_attendee_names_skip_blank_lines(self):
        session = SessionFactory.build(county_attendees="Ann Lee, CPS\n\n  Bo Diaz  \n")
        assert session.county_attendee_names() == ["Ann Lee, CPS", "Bo Diaz"]


class TestAgendaItemAndPosition:
    def test_order_is_unique_within_a_session(self):
        item = AgendaItemFactory(order=1)
        assert_refused_by_database(lambda: AgendaItemFactory(session=item.session, order=1))

    def test_duplicate_order_gets_a_friendly_message(self):
        item = AgendaItemFactory(order=1)
        duplicate = AgendaItemFactory.build(session=item.session, topic=item.topic, order=1)
        with pytest.raises(ValidationError) as error:
            duplicate.full_clean()
        assert "Another agenda item of this session has this order." in str(error.value)

    def test_same_order_is_fine_in_another_session(self):
        AgendaItemFactory(order=1)
        AgendaItemFactory(order=1)

    def test_position_order_is_unique_within_an_agenda_item(self):
        position = PositionFactory(order=1)
        assert_refused_by_database(
            lambda: PositionFactory(agenda_item=position.agenda_item, order=1)
        )

    def test_position_party_must_be_county_or_upe(self):
        assert_refused_by_database(lambda: PositionFactory(party="mayor"))

    def test_positions_read_back_in_order(self):
        item = AgendaItemFactory()
        PositionFactory(agenda_item=item, order=2, party=Party.UPE, statement="UPE countered.")
        PositionFactory(agenda_item=item, order=1, party=Party.COUNTY, statement="County asked.")
        assert [p.statement for p in item.positions.all()] == ["County asked.", "UPE countered."]


class TestCommitmentRules:
    def test_no_date_given_stays_unknown_and_is_listed_for_staff(self):
        commitment = CommitmentFactory(due_date=None, trigger="")
        commitment.full_clean()
        assert commitment.when_due == "no date given"
        assert list(Commitment.objects.undated()) == [commitment]
        assert not Commitment.objects.overdue(TODAY).exists()
        assert not Commitment.objects.awaiting_trigger().exists()

    def test_a_negative_offset_falls_due_before_the_trigger(self):
        commitment = CommitmentFactory(
            due_date=None, trigger="when the policy changes", trigger_offset_days=-10
        )
        commitment.record_trigger(on=datetime.date(2024, 7, 1))
        assert commitment.due_date == datetime.date(2024, 6, 21)
        assert commitment.when_due == "10 days before the policy changes (by June 21, 2024)"

    @pytest.mark.parametrize(
        "days, words",
        [
            (None, "after the training"),
            (0, "after the training"),
            (1, "1 day after the training"),
            (2, "2 days after the training"),
            (-1, "1 day before the training"),
        ],
    )
    def test_offsets_read_in_plain_words(self, days, words):
        commitment = CommitmentFactory.build(
            due_date=None, trigger="after the training", trigger_offset_days=days
        )
        assert commitment.when_due == words

    def test_open_commitment_cannot_have_a_resolved_date(self):
        assert_refused_by_database(lambda: CommitmentFactory(resolved_on=TODAY))

    def test_open_commitment_with_resolved_date_gets_a_friendly_message(self):
        commitment = CommitmentFactory.build(agenda_item=AgendaItemFactory(), resolved_on=TODAY)
        with pytest.raises(ValidationError) as error:
            commitment.full_clean()
        assert error.value.message_dict["resolved_on"] == [
            "An open commitment has no resolved date; change its status."
        ]

    def test_kept_commitment_needs_a_resolved_date(self):
        assert_refused_by_database(
            lambda: CommitmentFactory(status=Commitment.Status.KEPT, resolved_on=None)
        )
        commitment = CommitmentFactory.build(
            agenda_item=AgendaItemFactory(), status=Commitment.Status.KEPT
        )
        with pytest.raises(ValidationError) as error:
            commitment.full_clean()
        assert "Give the date it was kept" in str(error.value)

    def test_status_must_be_known(self):
        assert_refused_by_database(lambda: CommitmentFactory(status="forgotten"))

    def test_trigger_date_needs_a_trigger(self):
        assert_refused_by_database(lambda: CommitmentFactory(trigger_occurred_on=TODAY))


def with_state(commitment: Commitment) -> Commitment:
    return Commitment.objects.with_state(TODAY).get(pk=commitment.pk)


class TestCommitmentFollowUp:
    def test_open_commitment_due_yesterday_is_overdue(self):
        commitment = CommitmentFactory(due_date=TODAY - datetime.timedelta(days=1))
        assert with_state(commitment).is_overdue
        assert list(Commitment.objects.overdue(TODAY)) == [commitment]

    def test_commitment_due_today_is_not_overdue(self):
        commitment = CommitmentFactory(due_date=TODAY)
        assert not with_state(commitment).is_overdue
        assert not Commitment.objects.overdue(TODAY).exists()

    def test_kept_commitment_is_never_overdue(self):
        commitment = CommitmentFactory(due_date=TODAY - datetime.timedelta(days=30))
        commitment.mark_kept(on=TODAY, note="Names were sent.")
        assert not with_state(commitment).is_overdue
        assert not Commitment.objects.overdue(TODAY).exists()

    def test_commitment_with_only_a_trigger_awaits_it(self):
        commitment = CommitmentFactory(due_date=None, trigger="after the training")
        assert with_state(commitment).is_awaiting_trigger
        assert list(Commitment.objects.awaiting_trigger()) == [commitment]
        assert not Commitment.objects.overdue(TODAY).exists()

    def test_recording_the_trigger_computes_the_due_date(self):
        commitment = CommitmentFactory(
            due_date=None, trigger="after the training", trigger_offset_days=30
        )
        commitment.record_trigger(on=datetime.date(2020, 3, 1), note="Training finished.")
        commitment.refresh_from_db()
        assert commitment.due_date == datetime.date(2020, 3, 31)
        assert not with_state(commitment).is_awaiting_trigger
        assert not Commitment.objects.awaiting_trigger().exists()

    def test_trigger_without_offset_falls_due_that_day(self):
        commitment = CommitmentFactory(due_date=None, trigger="after the training")
        commitment.record_trigger(on=datetime.date(2020, 3, 1))
        assert commitment.due_date == datetime.date(2020, 3, 1)

    def test_marking_kept_records_date_note_and_session(self):
        commitment = CommitmentFactory()
        later = SessionFactory(date=datetime.date(2024, 6, 1))
        commitment.mark_kept(on=TODAY, note="Done.", session=later)
        commitment.refresh_from_db()
        assert (commitment.status, commitment.resolved_on, commitment.resolution_note) == (
            "kept",
            TODAY,
            "Done.",
        )
        assert commitment.followed_up_in == later

    def test_each_change_is_kept_in_history(self):
        commitment = CommitmentFactory()
        commitment.mark_broken(on=TODAY, note="Never happened.")
        statuses = [record.status for record in commitment.history.order_by("history_date")]
        assert statuses == ["open", "broken"]

    def test_when_due_reads_as_words(self):
        assert CommitmentFactory.build(due_date=datetime.date(2023, 10, 16)).when_due == (
            "by October 16, 2023"
        )
        assert CommitmentFactory.build(due_date=None, trigger="after training").when_due == (
            "after training"
        )


class TestUnitsInTheRecordAreProtected:
    def test_unit_named_by_a_session_cannot_be_deleted(self):
        unit = BargainingUnitFactory(code="008")
        SessionFactory(units=[unit])
        with pytest.raises(ProtectedError):
            unit.delete()
        with pytest.raises(ProtectedError):
            BargainingUnit.objects.filter(code="008").delete()
        assert BargainingUnit.objects.filter(code="008").exists()

    def test_unused_unit_can_be_deleted(self):
        BargainingUnitFactory(code="099").delete()
        assert not BargainingUnit.objects.filter(code="099").exists()


def test_what_members_may_read_is_declared_for_real_text_fields_only():
    for model, names in PUBLISHED_TEXT.items():
        assert set(names) <= set(text_fields(model)), model
    assert "internal_notes" in text_fields(Session)
    assert "internal_notes" not in PUBLISHED_TEXT[Session]
