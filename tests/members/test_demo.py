"""The demo loader records every fact of both seed articles; running it twice changes nothing."""

import datetime

import pytest
from django.core.management import call_command

from members.demo import load_demo
from sessions.models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    Position,
    Session,
    Topic,
)

pytestmark = pytest.mark.django_db

MODELS = [BargainingUnit, Topic, Session, AgendaItem, Position, Commitment, Advocate, Attendance]


def snapshot() -> dict[str, tuple[int, int]]:
    """Row count and history count of every model of the record."""
    return {model.__name__: (model.objects.count(), model.history.count()) for model in MODELS}


def positions_of(item: AgendaItem) -> list[tuple[str, str, str]]:
    return [(p.party, p.kind, p.statement) for p in item.positions.all()]


def test_running_twice_changes_nothing():
    call_command("load_demo", stdout=None)
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    assert first["Session"][0] == 2


class TestJanuary2020Session:
    @pytest.fixture
    def session(self):
        load_demo()
        return Session.objects.get(date=datetime.date(2020, 1, 17))

    def test_date_units_topic_and_status(self, session):
        assert [unit.code for unit in session.units.all()] == ["008"]
        assert session.status == Session.Status.HELD
        assert {item.topic.name for item in session.agenda_items.all()} == {"CPS Restructure Pilot"}
        assert session.agenda_items.count() == 3

    def test_the_pilot_positions_in_order(self, session):
        item = session.agenda_items.get(order=1)
        positions = positions_of(item)
        assert [(party, kind) for party, kind, _ in positions] == [
            ("county", "proposal"),
            ("county", "proposal"),
            ("county", "proposal"),
            ("upe", "concern"),
            ("county", "agreement"),
            ("county", "response"),
        ]
        text = " ".join(statement for _, _, statement in positions)
        for fact in [
            "Emergency Response social workers",
            "Jurisdictional Hearing",
            "Dispositional Hearing",
            "six months",
            "survey families",
            "County Counsel",
            "first week of February 2020",
            "go live",
            "report-writing training",
            "not with a complicated case",
        ]:
            assert fact in text

    def test_the_pilot_commitments_and_their_triggers(self, session):
        commitments = session.agenda_items.get(order=1).commitments.all()
        assert [(c.party, c.due_date, c.trigger) for c in commitments] == [
            ("county", None, "after the volunteers finish report-writing training"),
            ("county", None, "when the testing phase begins"),
            ("county", None, "during the six-month testing phase"),
            ("upe", None, "following the completion of the volunteers' training"),
        ]
        assert all(c.is_awaiting_trigger for c in commitments.with_state())

    def test_safety_positions_commitment_and_member_guidance(self, session):
        item = session.agenda_items.get(order=2)
        text = " ".join(statement for _, _, statement in positions_of(item))
        for fact in ["remove", "nothing new", "proactive, not reactive", "pair up", "open to"]:
            assert fact in text
        assert "talk to your supervisor about pairing" in item.member_guidance
        assert "contact your Business Agent" in item.member_guidance
        assert item.commitments.get().party == "county"

    def test_court_services_positions_and_commitment(self, session):
        item = session.agenda_items.get(order=3)
        text = " ".join(statement for _, _, statement in positions_of(item))
        assert "Court Services social workers" in text
        assert "before any change" in text
        commitment = item.commitments.get()
        assert commitment.party == "upe"
        assert "direct dealing" in commitment.description

    def test_next_steps_and_the_six_advocates(self, session):
        assert "once the volunteers have completed their training" in session.next_steps
        assert sorted(advocate.name for advocate in session.advocates.all()) == [
            "Beverly Kearney",
            "Jeannine Lopez",
            "Julie Wuest",
            "Lisa Stephney",
            "Marisa Cisneros",
            "Sarah Singleton",
        ]
        assert all(advocate.unit.code == "008" for advocate in session.advocates.all())


class TestSeptember2023Session:
    @pytest.fixture
    def session(self):
        load_demo()
        return Session.objects.get(date=datetime.date(2023, 9, 15))

    def test_date_units_and_topic(self, session):
        assert [unit.code for unit in session.units.order_by("code")] == ["005", "008"]
        item = session.agenda_items.get()
        assert item.topic.name == "CARES testing"
        assert "CWS/CMS" in session.summary
        assert "training modules" in session.summary

    def test_the_back_and_forth_in_order(self, session):
        positions = positions_of(session.agenda_items.get())
        assert [(party, kind) for party, kind, _ in positions] == [
            ("county", "proposal"),
            ("county", "proposal"),
            ("upe", "counter"),
            ("upe", "proposal"),
            ("county", "refusal"),
            ("county", "response"),
            ("upe", "response"),
        ]
        text = " ".join(statement for _, _, statement in positions)
        for fact in [
            "one to four (1-4) testers",
            "Social Worker and Clerical",
            "three to four (3-4) hours a week",
            "October 16 through October 29",
            "fictitious data",
            "supervisors and program managers",
            "case-carrying",
            "cherry-pick favorites",
            "names of union-affiliated staff",
            "blanket workload relief",
            "overtime policy",
            "no guarantee",
            "unacceptable",
            "understaffed",
            "overworked",
        ]:
            assert fact in text

    def test_upe_commitment_to_send_names(self, session):
        commitment = session.agenda_items.get().commitments.get()
        assert commitment.party == "upe"
        assert "names of 005 and 008 staff" in commitment.description
        assert commitment.due_date == datetime.date(2023, 10, 16)

    def test_member_guidance_outcome_and_next_steps(self, session):
        item = session.agenda_items.get()
        for duty in ["home visits", "chronos", "court reports"]:
            assert duty in item.member_guidance
        assert "unreasonable" in item.outcome
        assert "2026 with or without Sacramento County staff input" in session.next_steps

    def test_advocates_include_sarah_singleton_from_both_articles(self, session):
        assert sorted(a.name for a in session.advocates.all()) == ["Eric Booker", "Sarah Singleton"]
        assert Advocate.objects.get(name="Sarah Singleton").sessions.count() == 2
