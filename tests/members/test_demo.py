"""The demo loader records the two seed articles (../shared/seeds) and nothing they do not state;
running it twice changes nothing."""

import datetime
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from members.demo import SESSIONS, load_demo
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
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
ARTICLE_2020 = (SEEDS / "000_74c2c1ccdb7f2034.txt").read_text()
ARTICLE_2023 = (SEEDS / "002_582b7a52e38aa3be.txt").read_text()
# The few words the record adds to the article's own: a subject where the article's sentence has
# the party in it ("It does not want…"), the imperative of a commitment ("Wait until…"), and
# advice put to the member ("your").
OWN_WORDS = {"it", "its", "does", "we", "to", "was", "wait", "survey", "get", "meet", "work"}
OWN_WORDS |= {"provide", "your"}


def snapshot() -> dict[str, tuple[int, int]]:
    """Row count and history count of every model of the record."""
    return {model.__name__: (model.objects.count(), model.history.count()) for model in MODELS}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'")))


def recorded_texts(session: Session) -> list[str]:
    """Every text of the session's record that members may read."""
    texts = [session.summary, session.next_steps]
    for item in session.agenda_items.all():
        texts += [item.discussion, item.outcome, item.member_guidance, item.union_view]
        texts += [p.statement for p in item.positions.all()]
        texts += [c.description for c in item.commitments.all()]
        texts += [c.trigger for c in item.commitments.all()]
    return [text for text in texts if text]


def positions_of(item: AgendaItem) -> list[tuple[str, str]]:
    return [(p.party, p.kind) for p in item.positions.all()]


def test_running_twice_changes_nothing():
    call_command("load_demo", stdout=None)
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    assert first["Session"][0] == 2


@pytest.mark.parametrize(
    "day, article", [((2020, 1, 17), ARTICLE_2020), ((2023, 9, 15), ARTICLE_2023)]
)
def test_the_record_uses_only_the_articles_words(day, article):
    load_demo()
    session = Session.objects.get(date=datetime.date(*day))
    allowed = words(article) | OWN_WORDS
    for text in recorded_texts(session):
        assert words(text) <= allowed, (text, words(text) - allowed)


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

    def test_the_pilot_in_the_articles_order(self, session):
        item = session.agenda_items.get(order=1)
        assert positions_of(item) == [
            ("county", "proposal"),  # the pilot: ER and Permanency hearing duties
            ("county", "statement"),  # a testing phase of about 6 months; surveys
            ("upe", "concern"),  # going live while training volunteers
            ("county", "agreement"),  # wait for report-writing training
            ("county", "statement"),  # not a complicated case at first
        ]
        statements = [p.statement for p in item.positions.all()]
        assert "Jurisdictional Hearing duties" in statements[0]
        assert "about 6 months" in statements[1]
        assert "“go live”" in statements[2]
        assert "report-writing training" in statements[3]
        assert "start slowly" in statements[4]

    def test_unattributed_training_date_is_discussion_not_a_position(self, session):
        item = session.agenda_items.get(order=1)
        assert item.discussion == "Volunteer training will begin the first week of February 2020."
        assert not item.positions.filter(statement__contains="February").exists()

    def test_commitments_are_only_those_the_article_makes(self, session):
        commitments = Commitment.objects.filter(agenda_item__session=session).order_by(
            "agenda_item__order", "order"
        )
        assert [(c.party, c.due_date, c.trigger) for c in commitments] == [
            ("county", None, "before having the pilot begin the testing phase"),
            ("county", None, ""),  # surveys and feedback: no date given
            ("upe", None, "following the completion of training"),
            ("upe", None, ""),  # Court Services meetings: no date given
        ]
        assert not commitments.filter(description__icontains="simple").exists()
        assert not commitments.filter(description__icontains="pair").exists()

    def test_the_county_is_open_to_pairing_not_agreeing(self, session):
        item = session.agenda_items.get(order=2)
        assert positions_of(item) == [
            ("upe", "concern"),
            ("county", "response"),
            ("upe", "counter"),
            ("upe", "proposal"),
            ("county", "response"),
        ]
        assert item.positions.last().statement == "The County is open to the idea."
        assert "talk to your supervisor about pairing" in item.member_guidance
        assert not item.commitments.exists()

    def test_court_services_discussion_and_upe_statement(self, session):
        item = session.agenda_items.get(order=3)
        assert "integration of Court Services Social Workers" in item.discussion
        assert positions_of(item) == [("upe", "statement")]

    def test_next_steps_and_the_six_advocates_in_the_articles_order(self, session):
        assert "following the completion of training" in session.next_steps
        assert [a.advocate.name for a in session.attendances.all()] == [
            "Jeannine Lopez",
            "Sarah Singleton",
            "Beverly Kearney",
            "Lisa Stephney",
            "Marisa Cisneros",
            "Julie Wuest",
        ]
        assert {a.advocate.unit.code for a in session.attendances.all()} == {"008"}


class TestSeptember2023Session:
    @pytest.fixture
    def session(self):
        load_demo()
        return Session.objects.get(date=datetime.date(2023, 9, 15))

    def test_date_units_and_topic(self, session):
        assert [unit.code for unit in session.units.all()] == ["005", "008"]
        assert session.agenda_items.get().topic.name == "CARES testing"

    def test_the_back_and_forth_in_the_articles_order(self, session):
        item = session.agenda_items.get()
        assert positions_of(item) == [
            ("county", "proposal"),  # 1-4 testers, 3-4 hours a week for two weeks
            ("county", "proposal"),  # the criteria
            ("upe", "counter"),  # cherry-picking favorites
            ("upe", "proposal"),  # names of union-affiliated staff
            ("county", "refusal"),  # no blanket workload relief
            ("county", "response"),  # ask your supervisor, no guarantee
        ]
        assert "three to four hours (3-4)" in item.positions.first().statement

    def test_the_writers_comments_are_upes_view_not_a_position(self, session):
        item = session.agenda_items.get()
        assert item.union_view.startswith("This is unacceptable.")
        assert "UPE feels this ask from the County is unreasonable" in item.union_view
        assert not item.positions.filter(statement__icontains="unacceptable").exists()
        assert not item.positions.filter(statement__icontains="unreasonable").exists()

    def test_upe_promises_names_with_no_date_given(self, session):
        commitment = Commitment.objects.get(agenda_item__session=session)
        assert commitment.party == "upe"
        assert "names of 005 and 008 staff" in commitment.description
        assert (commitment.due_date, commitment.trigger) == (None, "")
        assert commitment.when_due == "no date given"

    def test_member_guidance(self, session):
        item = session.agenda_items.get()
        assert "Reassess your willingness to participate" in item.member_guidance
        assert "home visits, chronos, court reports" in item.member_guidance

    def test_advocates_in_order_and_an_unknown_unit_stays_unknown(self, session):
        attendances = list(session.attendances.all())
        assert [a.advocate.name for a in attendances] == ["Sarah Singleton", "Eric Booker"]
        assert attendances[1].advocate.unit is None


def test_an_earlier_demo_record_is_corrected_in_place():
    load_demo()
    item = AgendaItem.objects.get(session__date=datetime.date(2020, 1, 17), order=1)
    Position.objects.create(agenda_item=item, order=9, party="county", statement="Invented.")
    load_demo()
    assert not Position.objects.filter(statement="Invented.").exists()


def test_every_demo_session_is_in_the_list():
    assert [data["date"] for data in SESSIONS] == [
        datetime.date(2020, 1, 17),
        datetime.date(2023, 9, 15),
    ]


def test_the_demo_attaches_a_generated_pdf_to_the_2023_session_once(db):
    import io

    import pypdf

    from members.demo import DEMO_DOCUMENT_TITLE, load_demo
    from sessions.models import Document

    load_demo()
    load_demo()  # again: still one
    document = Document.objects.get()
    assert document.title == DEMO_DOCUMENT_TITLE
    assert document.session.date.year == 2023
    assert document.content_type == "application/pdf"
    with document.file.open("rb") as stream:
        text = pypdf.PdfReader(io.BytesIO(stream.read()), strict=True).pages[0].extract_text()
    assert "not a County document" in text
