"""The flow's pages: bad input gives a message and saves nothing; forged requests find nothing;
every page runs a number of queries that does not grow with the data."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.models import Advocate, AgendaItem, Attendance, Commitment, Position, Session, Topic
from tests.factories import (
    AdvocateFactory,
    AgendaItemFactory,
    AttendanceFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
)
from tests.sessions.conftest import page_data

pytestmark = pytest.mark.django_db

NEW_URL = reverse("sessions:session_new")
SCRIPT = '<script>alert("x")</script>'


def valid_post(unit, **changes) -> dict:
    data = {
        "date": "2024-05-02",
        "start_time": "10:00",
        "units": [str(unit.pk)],
        "location": "County offices",
        "county_attendees": "A. Manager",
        "upe_attendees": "B. Steward",
        "summary": "A short summary",
        "next_steps": "Meet again",
        "action": "save",
        "advocates-TOTAL_FORMS": "1",
        "advocates-INITIAL_FORMS": "0",
        "advocates-0-name": "Nina Newcomer",
        "advocates-0-unit": str(unit.pk),
        "advocates-0-classification": "Clerical",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-new_topic": "Parking",
        "items-0-title": "Parking at the annex",
        "items-0-discussion": "Where staff park",
        "items-0-outcome": "More spaces",
        "items-0-member_guidance": "Park in lot B",
        "items-0-positions-TOTAL_FORMS": "1",
        "items-0-positions-INITIAL_FORMS": "0",
        "items-0-positions-0-party": "upe",
        "items-0-positions-0-kind": "proposal",
        "items-0-positions-0-statement": "UPE asked for more spaces",
        "items-0-commitments-TOTAL_FORMS": "1",
        "items-0-commitments-INITIAL_FORMS": "0",
        "items-0-commitments-0-party": "county",
        "items-0-commitments-0-description": "Paint new spaces",
        "items-0-commitments-0-due_date": "2024-06-01",
        "items-0-commitments-0-trigger": "",
    }
    data.update(changes)
    return data


def record_counts() -> dict:
    models = [Session, AgendaItem, Position, Commitment, Topic, Advocate, Attendance]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["history"] = Session.history.count() + AgendaItem.history.count()
    return counts


TEXT_FIELDS = [
    "location",
    "county_attendees",
    "upe_attendees",
    "summary",
    "next_steps",
    "advocates-0-name",
    "advocates-0-classification",
    "items-0-new_topic",
    "items-0-title",
    "items-0-discussion",
    "items-0-outcome",
    "items-0-member_guidance",
    "items-0-positions-0-statement",
    "items-0-commitments-0-description",
    "items-0-commitments-0-trigger",
]


@pytest.fixture
def as_agent(client, agent_008):
    client.force_login(agent_008)
    return client


def test_a_valid_page_saves(as_agent, unit_008):
    response = as_agent.post(NEW_URL, valid_post(unit_008))
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.attendances.get().advocate.name == "Nina Newcomer"
    assert session.agenda_items.get().commitments.get().due_date == datetime.date(2024, 6, 1)


BAD_INPUT = [
    ("empty date", {"date": ""}, "This field is required"),
    ("date in 1900", {"date": "1900-01-01"}, "greater than or equal to"),
    ("date too far ahead", {"date": "2999-01-01"}, "check the year"),
    ("not a date", {"date": "yesterday"}, "Enter a valid date"),
    ("100,000-character summary", {"summary": "x" * 100_000}, "at most 20000 characters"),
    ("no unit", {"units": []}, "This field is required"),
    ("unknown advocate", {"advocates": ["999999"]}, "Select a valid choice"),
    ("unknown topic", {"items-0-new_topic": "", "items-0-topic": "999999"}, "valid choice"),
    ("no topic", {"items-0-new_topic": ""}, "Pick the topic"),
    ("no title", {"items-0-title": ""}, "This field is required"),
    ("bad party", {"items-0-positions-0-party": "martians"}, "Select a valid choice"),
    ("empty statement", {"items-0-positions-0-statement": ""}, "This field is required"),
    (
        "an offset out of any reasonable range",
        {"items-0-commitments-0-trigger_offset_days": "99999"},
        "Ensure this value is less than or equal to 3650",
    ),
    ("unknown owner", {"items-0-commitments-0-owner": "999999"}, "Select a valid choice"),
    ("garbled form count", {"items-TOTAL_FORMS": "many"}, "ManagementForm data is missing"),
    ("too many agenda items", {"items-TOTAL_FORMS": "5000"}, "Please submit at most"),
    *[(f"markup in {name}", {name: SCRIPT}, "Plain text only") for name in TEXT_FIELDS],
    *[(f"HTML in {name}", {name: "<b>bold</b> claim"}, "Plain text only") for name in TEXT_FIELDS],
]


@pytest.mark.parametrize(
    ("changes", "message"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_gives_a_message_and_saves_nothing(as_agent, unit_008, changes, message):
    before = record_counts()
    response = as_agent.post(NEW_URL, valid_post(unit_008, **changes))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "The session was not saved" in body
    assert record_counts() == before


def test_a_unit_the_agent_is_not_assigned_to_is_refused(as_agent, unit_008, unit_005):
    response = as_agent.post(NEW_URL, valid_post(unit_008, units=[str(unit_005.pk)]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Session.objects.exists()
    # The page offers only the agent's own unit.
    page = as_agent.get(NEW_URL).content.decode()
    assert "Bargaining Unit 008" in page
    assert "Bargaining Unit 005" not in page


def test_a_validation_error_keeps_every_field(as_agent, unit_008):
    response = as_agent.post(NEW_URL, valid_post(unit_008, date=""))
    body = response.content.decode()
    data = valid_post(unit_008)
    for key in TEXT_FIELDS + ["start_time"]:
        assert data[key] in body, key
    assert 'value="2024-06-01"' in body
    assert 'href="#id_date"' in body  # the summary at the top points at the field


def test_markup_in_an_edit_changes_nothing(as_agent, unit_008):
    as_agent.post(NEW_URL, valid_post(unit_008))
    session = Session.objects.get()
    edit = reverse("sessions:session_edit", args=[session.pk])
    for name in ["summary", "items-0-title", "items-0-positions-0-statement"]:
        data = page_data(as_agent.get(edit).context["flow"])
        data[name] = SCRIPT
        response = as_agent.post(edit, data)
        assert response.status_code == 200
        assert "Plain text only" in response.content.decode()
        assert SCRIPT not in response.content.decode()  # shown escaped, never as markup
    session.refresh_from_db()
    assert session.version == 1
    assert session.summary == "A short summary"


def test_text_stored_elsewhere_is_shown_escaped(as_agent, unit_008):
    session = SessionFactory(units=[unit_008], summary=SCRIPT)
    response = as_agent.get(reverse("sessions:session_detail", args=[session.pk]))
    assert SCRIPT not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_a_forged_post_for_another_units_session_finds_nothing(as_agent, unit_005):
    theirs = SessionFactory(units=[unit_005], summary="Theirs")
    item = AgendaItemFactory(session=theirs, title="Their item")
    data = valid_post(unit_005, version="1")
    for url in [
        reverse("sessions:session_edit", args=[theirs.pk]),
        reverse("sessions:session_mark_held", args=[theirs.pk]),
    ]:
        assert as_agent.post(url, data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.summary == "Theirs"
    assert theirs.version == 1
    item.refresh_from_db()
    assert item.title == "Their item"


def test_a_forged_row_id_of_another_session_changes_nothing(as_agent, unit_008, unit_005):
    as_agent.post(NEW_URL, valid_post(unit_008))
    mine = Session.objects.get()
    theirs = SessionFactory(units=[unit_005])
    their_item = AgendaItemFactory(session=theirs, title="Their item")
    edit = reverse("sessions:session_edit", args=[mine.pk])
    data = page_data(as_agent.get(edit).context["flow"])
    data["items-0-id"] = str(their_item.pk)
    data["items-0-title"] = "Hijacked"
    response = as_agent.post(edit, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    their_item.refresh_from_db()
    assert their_item.title == "Their item"
    assert not AgendaItem.objects.filter(title="Hijacked").exists()


def test_an_agent_keeps_the_units_of_a_joint_session_they_do_not_work_for(
    as_agent, unit_008, unit_005
):
    joint = SessionFactory(units=[unit_005, unit_008])
    edit = reverse("sessions:session_edit", args=[joint.pk])
    data = page_data(as_agent.get(edit).context["flow"])
    data["summary"] = "Edited by the 008 agent"
    assert as_agent.post(edit, data).status_code == 302
    assert {unit.code for unit in joint.units.all()} == {"005", "008"}


def test_an_existing_topic_typed_again_is_reused(as_agent, unit_008):
    topic = TopicFactory(name="Parking")
    as_agent.post(NEW_URL, valid_post(unit_008, **{"items-0-new_topic": "parking"}))
    assert AgendaItem.objects.get().topic == topic
    assert Topic.objects.count() == 1


# ---- query counts: each page runs the same number of queries for little and much data ----


def fill(unit, sessions: int, items: int) -> Session:
    """`sessions` sessions for the unit, each with `items` agenda items with three positions,
    two open commitments and two advocates; returns the last one."""
    session = None
    for n in range(sessions):
        session = SessionFactory(
            units=[unit], date=datetime.date(2024, 1, 1) + datetime.timedelta(days=n)
        )
        for _ in range(items):
            item = AgendaItemFactory(session=session, topic=TopicFactory())
            for order in range(1, 4):
                PositionFactory(agenda_item=item, order=order)
            for order in range(1, 3):
                CommitmentFactory(agenda_item=item, order=order, due_date=None, trigger="later")
        for _ in range(2):
            AttendanceFactory(session=session, advocate=AdvocateFactory(unit=unit))
        session.summary = f"Edited {n}"
        session.save()  # more history
    return session


def count_queries(client, method: str, url: str, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data)
    assert response.status_code == 200, url
    return len(queries)


PAGES = ["home", "new", "edit", "detail", "add_row"]


def request_page(client, page: str, session: Session, counted: bool = True):
    urls = {
        "home": reverse("sessions:agent_home"),
        "new": NEW_URL,
        "edit": reverse("sessions:session_edit", args=[session.pk]),
        "detail": reverse("sessions:session_detail", args=[session.pk]),
    }
    if page == "add_row":
        url = urls["edit"]
        data = page_data(client.get(url).context["flow"])
        data["add"] = "items-0-positions"
        return "post", url, data
    return "get", urls[page], None


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs_a_constant_number_of_queries(
    as_agent, unit_008, page, django_assert_max_num_queries
):
    small = fill(unit_008, sessions=1, items=1)
    few = count_queries(as_agent, *request_page(as_agent, page, small))

    large = fill(unit_008, sessions=4, items=4)
    for _ in range(5):
        TopicFactory()
    method, url, data = request_page(as_agent, page, large)
    with django_assert_max_num_queries(few):
        response = getattr(as_agent, method)(url, data)
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_pages_have_no_inline_script_or_style(as_agent, unit_008, page):
    """The strict CSP would block them: rows are added by static/js/formset-rows.js."""
    session = fill(unit_008, sessions=1, items=1)
    method, url, data = request_page(as_agent, page, session)
    body = getattr(as_agent, method)(url, data).content.decode()
    assert not re.search(r"<script(?![^>]*\ssrc=)", body)
    assert " style=" not in body
    if page in {"new", "edit", "add_row"}:
        assert "js/formset-rows.js" in body


@time_machine.travel(datetime.datetime(2024, 4, 2, 18, 0, tzinfo=datetime.UTC), tick=False)
def test_the_agents_home_marks_overdue_commitments_only(as_agent, unit_008):
    item = AgendaItemFactory(session=SessionFactory(units=[unit_008]))
    CommitmentFactory(
        agenda_item=item, description="Send the list.", due_date=datetime.date(2024, 4, 1)
    )
    CommitmentFactory(
        agenda_item=item, description="Meet again.", due_date=datetime.date(2024, 4, 2)
    )
    page = as_agent.get(reverse("sessions:agent_home")).content.decode()
    assert page.count("(overdue)") == 1
    assert page.index("Send the list.") < page.index("(overdue)") < page.index("Meet again.")


def test_the_form_says_beside_each_text_field_who_reads_it(as_agent, admin_client, unit_008):
    page = as_agent.get(NEW_URL).content.decode()

    def note_of(field_id: str) -> str:
        match = re.search(rf'id="{field_id}_helptext">([^<]*)<', page)
        assert match, field_id
        return match.group(1)

    for published in ["id_summary", "id_next_steps", "id_items-0-union_view"]:
        assert note_of(published).endswith("Members read this in the update."), published
    for internal in ["id_internal_notes", "id_items-0-internal_notes", "id_location"]:
        assert note_of(internal).endswith("Internal: never shown to members."), internal
    admin_page = admin_client.get(reverse("admin:confer_agendaitem_add")).content.decode()
    assert "Internal: never shown to members." in admin_page
    assert "Members read this in the update." in admin_page


def test_an_agent_cancels_a_draft_session_from_its_page(as_agent, unit_008):
    session = SessionFactory(units=[unit_008], status=Session.Status.SCHEDULED)
    page = as_agent.get(reverse("sessions:session_detail", args=[session.pk]))
    assert "Cancel this session" in page.content.decode()
    response = as_agent.post(
        reverse("sessions:session_cancel", args=[session.pk]), {"version": session.version}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    stale = as_agent.post(reverse("sessions:session_cancel", args=[session.pk]), {"version": 1})
    assert stale.status_code == 302  # refused with a message: the version moved on


def test_the_session_page_lists_earlier_commitments_followed_up_at_it(as_agent, unit_008):
    earlier = SessionFactory(units=[unit_008], date=datetime.date(2024, 1, 10))
    commitment = CommitmentFactory(
        agenda_item=AgendaItemFactory(session=earlier), description="Send the list."
    )
    later = SessionFactory(units=[unit_008], date=datetime.date(2024, 3, 1))
    commitment.mark_kept(on=later.date, session=later)
    page = as_agent.get(reverse("sessions:session_detail", args=[later.pk])).content.decode()
    assert "Followed up at this session" in page
    assert "Send the list." in page and "made January 10, 2024; kept on March 1, 2024" in page


def test_the_agents_home_counts_what_needs_doing_as_the_reports_do(as_agent, unit_008, unit_005):
    item = AgendaItemFactory(session=SessionFactory(units=[unit_008]))
    CommitmentFactory(agenda_item=item, due_date=datetime.date(2020, 1, 1))  # overdue
    CommitmentFactory(agenda_item=item, due_date=None, trigger="")  # no date given
    elsewhere = AgendaItemFactory(session=SessionFactory(units=[unit_005]))
    CommitmentFactory(agenda_item=elsewhere, due_date=datetime.date(2020, 1, 1))
    response = as_agent.get(reverse("sessions:agent_home"))
    desk = {report.slug: count for report, count, _ in response.context["desk"]}
    assert desk == {
        "overdue": 1,
        "due-soon": 0,
        "awaiting-trigger": 0,
        "waiting-long": 0,
        "undated": 1,
    }
    assert reverse("reports:commitments", args=["overdue"]) in response.content.decode()


def test_a_form_sent_after_the_sign_in_expired_comes_back_whole_after_signing_in(
    client, agent_008, unit_008
):
    data = valid_post(unit_008)
    data["summary"] = "Typed on the bus, sent after the sign-in expired."
    response = client.post(NEW_URL, data)  # signed out: the session expired
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Session.objects.exists()

    client.force_login(agent_008)  # signs in again in the same browser
    page = client.get(NEW_URL)
    assert page.status_code == 200
    assert "Everything you typed is back" in page.content.decode()
    assert "Typed on the bus, sent after the sign-in expired." in page.content.decode()
    assert not Session.objects.exists()  # nothing saved until the agent saves again
    # Once only: the next visit is a fresh page.
    assert "Typed on the bus" not in client.get(NEW_URL).content.decode()
