"""The business agent logs the 2020 seed session through the browser's forms, edits it, and the
record holds exactly what the article says; two agents editing at once never lose an edit."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from members.demo import SESSIONS
from sessions.models import Advocate, Commitment, Session, Topic
from tests.factories import AdvocateFactory
from tests.sessions.conftest import page_data

pytestmark = pytest.mark.django_db

SEED = SESSIONS[0]  # January 17, 2020, unit 008: three agenda items, six advocates
NEW_URL = reverse("sessions:session_new")
ITEM_TEXT = ("title", "discussion", "outcome", "member_guidance", "union_view")


def edit_url(session) -> str:
    return reverse("sessions:session_edit", args=[session.pk])


def seed_post(unit, existing_advocates: dict[str, Advocate], topic: Topic | None) -> dict:
    """The page as an agent fills it in for the seed session: the first three advocates picked
    from the list, the other three added as new ones; the first agenda item creates the topic
    (or picks it), the others pick it by name again."""
    data = {
        "date": SEED["date"].isoformat(),
        "units": [str(unit.pk)],
        "location": "County Administration Building",
        "summary": SEED["summary"],
        "next_steps": SEED["next_steps"],
        "advocates": [str(existing_advocates[name].pk) for name in SEED["advocates"][:3]],
        "action": "held",
    }
    new_advocates = SEED["advocates"][3:]
    data["advocates-TOTAL_FORMS"] = str(len(new_advocates))
    data["advocates-INITIAL_FORMS"] = "0"
    for n, name in enumerate(new_advocates):
        data[f"advocates-{n}-name"] = name
        data[f"advocates-{n}-unit"] = str(unit.pk)
        data[f"advocates-{n}-classification"] = "Social Worker"
    data["items-TOTAL_FORMS"] = str(len(SEED["agenda"]))
    data["items-INITIAL_FORMS"] = "0"
    for i, item in enumerate(SEED["agenda"]):
        prefix = f"items-{i}"
        if topic is None:
            data[f"{prefix}-new_topic"] = item["topic"]
        else:
            data[f"{prefix}-topic"] = str(topic.pk)
        for key in ITEM_TEXT:
            data[f"{prefix}-{key}"] = item[key]
        data[f"{prefix}-positions-TOTAL_FORMS"] = str(len(item["positions"]))
        data[f"{prefix}-positions-INITIAL_FORMS"] = "0"
        for p, (party, kind, statement) in enumerate(item["positions"]):
            data[f"{prefix}-positions-{p}-party"] = party
            data[f"{prefix}-positions-{p}-kind"] = kind
            data[f"{prefix}-positions-{p}-statement"] = statement
        data[f"{prefix}-commitments-TOTAL_FORMS"] = str(len(item["commitments"]))
        data[f"{prefix}-commitments-INITIAL_FORMS"] = "0"
        for c, (party, description, due, trigger) in enumerate(item["commitments"]):
            data[f"{prefix}-commitments-{c}-party"] = party
            data[f"{prefix}-commitments-{c}-description"] = description
            data[f"{prefix}-commitments-{c}-due_date"] = due.isoformat() if due else ""
            data[f"{prefix}-commitments-{c}-trigger"] = trigger
    return data


def record_of(session: Session) -> dict:
    """The session as the seed describes it."""
    return {
        "date": session.date,
        "units": [unit.code for unit in session.units.all()],
        "status": session.status,
        "summary": session.summary,
        "next_steps": session.next_steps,
        "advocates": sorted(a.advocate.name for a in session.attendances.all()),
        "agenda": [
            {
                "topic": item.topic.name,
                "title": item.title,
                "discussion": item.discussion,
                "outcome": item.outcome,
                "member_guidance": item.member_guidance,
                "union_view": item.union_view,
                "positions": [(p.party, p.kind, p.statement) for p in item.positions.all()],
                "commitments": [
                    (c.party, c.description, c.due_date, c.trigger) for c in item.commitments.all()
                ],
            }
            for item in session.agenda_items.all()
        ],
    }


def seed_record() -> dict:
    return {
        "date": SEED["date"],
        "units": SEED["units"],
        "status": SEED["status"],
        "summary": SEED["summary"],
        "next_steps": SEED["next_steps"],
        "advocates": sorted(SEED["advocates"]),
        "agenda": [
            {
                **{key: item[key] for key in ITEM_TEXT},
                "topic": item["topic"],
                "positions": [tuple(p) for p in item["positions"]],
                "commitments": [tuple(c) for c in item["commitments"]],
            }
            for item in SEED["agenda"]
        ],
    }


@pytest.fixture
def advocates_008(unit_008) -> dict[str, Advocate]:
    return {name: AdvocateFactory(name=name, unit=unit_008) for name in SEED["advocates"][:3]}


@pytest.fixture
def logged(client, agent_008, unit_008, advocates_008) -> Session:
    client.force_login(agent_008)
    response = client.post(NEW_URL, seed_post(unit_008, advocates_008, topic=None))
    assert response.status_code == 302, response.context and response.context["errors"]
    return Session.objects.get()


def test_agent_logs_the_2020_seed_session_and_the_record_matches(client, logged, agent_008):
    assert record_of(logged) == seed_record()
    assert logged.logged_by == agent_008
    assert logged.version == 1
    assert Topic.objects.filter(name="CPS Restructure Pilot").count() == 1
    assert Advocate.objects.filter(name="Julie Wuest", unit__code="008").exists()
    response = client.get(reverse("sessions:session_detail", args=[logged.pk]))
    assert response.status_code == 200
    for text in ["The safety of our members", "Julie Wuest", "County proposed"]:
        assert text in response.content.decode()


def test_summary_page_shows_the_history_with_who_and_when(client, logged):
    response = client.get(reverse("sessions:session_detail", args=[logged.pk]))
    history = response.context["history"]
    assert {entry.who.username for entry in history} == {"agent008"}
    whats = [entry.what for entry in history]
    assert "Session added (Held)" in whats
    assert any(what.startswith("Advocate Julie Wuest added") for what in whats)
    assert sum("position added" in what for what in whats) == 11


def test_history_times_are_valid_html_datetimes(client, logged):
    # <time datetime> allows at most three digits of a second (the Nu checker refused six).
    response = client.get(reverse("sessions:session_detail", args=[logged.pk]))
    stamps = re.findall(r'<time datetime="([^"]+)"', response.content.decode())
    assert stamps
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", stamp), stamp


def test_agent_reopens_and_edits_the_session_and_the_record_matches(client, logged):
    response = client.get(edit_url(logged))
    assert response.status_code == 200
    data = page_data(response.context["flow"])
    # Change a field, remove the last position of the second item, add a commitment to the third.
    data["summary"] = "The County briefed UPE on the pilot."
    data["items-1-positions-4-DELETE"] = "on"
    data["items-2-commitments-TOTAL_FORMS"] = "2"
    data["items-2-commitments-1-party"] = "county"
    data["items-2-commitments-1-description"] = "Invite UPE to the Court Services meetings."
    data["items-2-commitments-1-due_date"] = "2020-03-01"
    beverly = str(Advocate.objects.get(name="Beverly Kearney").pk)
    data["advocates"] = [pk for pk in data["advocates"] if pk != beverly]  # was not there
    data["action"] = "save"

    response = client.post(edit_url(logged), data)

    assert response.status_code == 302
    logged.refresh_from_db()
    expected = seed_record()
    expected["summary"] = "The County briefed UPE on the pilot."
    expected["agenda"][1]["positions"] = expected["agenda"][1]["positions"][:4]
    expected["agenda"][2]["commitments"].append(
        ("county", "Invite UPE to the Court Services meetings.", datetime.date(2020, 3, 1), "")
    )
    expected["advocates"] = sorted(set(SEED["advocates"]) - {"Beverly Kearney"})
    assert record_of(logged) == expected
    assert logged.version == 2
    assert [c.order for c in Commitment.objects.filter(agenda_item__order=3)] == [1, 2]


def test_editing_without_changes_keeps_the_record(client, logged):
    data = page_data(client.get(edit_url(logged)).context["flow"])
    assert client.post(edit_url(logged), data).status_code == 302
    logged.refresh_from_db()
    assert record_of(logged) == seed_record()


def test_adding_a_row_without_javascript_keeps_everything_typed(client, agent_008, unit_008):
    client.force_login(agent_008)
    data = page_data(client.get(NEW_URL).context["flow"])
    data.update(
        {
            "date": "2024-05-02",
            "units": [str(unit_008.pk)],
            "summary": "Typed before adding a row",
            "items-0-title": "First item",
            "items-0-positions-0-party": "upe",
            "items-0-positions-0-statement": "UPE said this",
            "add": "items-0-positions",
        }
    )
    response = client.post(NEW_URL, data)
    assert response.status_code == 200
    flow = response.context["flow"]
    assert flow.blocks[0].positions.total_form_count() == 2
    body = response.content.decode()
    for typed in ["2024-05-02", "Typed before adding a row", "First item", "UPE said this"]:
        assert typed in body
    assert 'name="items-0-positions-1-statement"' in body
    assert "problem" not in body  # adding a row is not an attempt to save
    assert not Session.objects.exists()


def test_adding_an_agenda_item_without_javascript_gives_it_rows(client, agent_008):
    client.force_login(agent_008)
    data = page_data(client.get(NEW_URL).context["flow"])
    data["items-0-title"] = "First item"
    data["add"] = "items"
    response = client.post(NEW_URL, data)
    flow = response.context["flow"]
    assert len(flow.blocks) == 2
    assert flow.blocks[1].positions.total_form_count() == 1
    assert "First item" in response.content.decode()


def test_a_blank_agenda_item_row_is_ignored(client, agent_008, unit_008):
    client.force_login(agent_008)
    data = page_data(client.get(NEW_URL).context["flow"])
    data.update({"date": "2024-05-02", "units": [str(unit_008.pk)]})
    response = client.post(NEW_URL, data)
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.status == Session.Status.SCHEDULED  # a draft
    assert not session.agenda_items.exists()


def test_save_as_draft_then_mark_held(client, agent_008, unit_008):
    client.force_login(agent_008)
    data = page_data(client.get(NEW_URL).context["flow"])
    data.update({"date": "2024-05-02", "units": [str(unit_008.pk)], "action": "save"})
    client.post(NEW_URL, data)
    session = Session.objects.get()
    assert session.status == Session.Status.SCHEDULED
    detail = reverse("sessions:session_detail", args=[session.pk])
    assert "Mark held" in client.get(detail).content.decode()

    response = client.post(
        reverse("sessions:session_mark_held", args=[session.pk]), {"version": session.version}
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    assert session.version == 2


def test_marking_held_from_a_stale_page_is_refused(client, agent_008, unit_008):
    client.force_login(agent_008)
    data = page_data(client.get(NEW_URL).context["flow"])
    data.update({"date": "2024-05-02", "units": [str(unit_008.pk)]})
    client.post(NEW_URL, data)
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(version=5)
    response = client.post(
        reverse("sessions:session_mark_held", args=[session.pk]), {"version": 1}, follow=True
    )
    assert "Someone else saved this session" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_concurrent_edit_is_refused_and_shows_what_changed(client, logged, agent_008, staff):
    mine = page_data(client.get(edit_url(logged)).context["flow"])
    other = Client()
    other.force_login(staff)
    theirs = page_data(other.get(edit_url(logged)).context["flow"])
    theirs["summary"] = "Their summary"
    assert other.post(edit_url(logged), theirs).status_code == 302

    mine["summary"] = "My summary"
    mine["items-0-title"] = "My new title"
    response = client.post(edit_url(logged), mine)

    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this session after you opened it" in body
    assert "Their summary" in body  # the diff: what they changed
    assert "My summary" in body  # my text is still on the page to copy
    assert response.context["stale"]["latest"].history_user == staff
    logged.refresh_from_db()
    assert logged.summary == "Their summary"
    assert logged.agenda_items.first().title == SEED["agenda"][0]["title"]
    assert logged.version == 2


def test_a_change_made_in_the_admin_makes_the_flow_page_stale(client, logged, staff):
    mine = page_data(client.get(edit_url(logged)).context["flow"])
    item = logged.agenda_items.first()
    admin = Client()
    admin.force_login(staff)
    change = reverse("admin:confer_agendaitem_change", args=[item.pk])
    assert admin.get(change).status_code == 200
    data = {
        "session": logged.pk,
        "topic": item.topic_id,
        "order": item.order,
        "title": "Renamed in the admin",
        "discussion": item.discussion,
        "outcome": item.outcome,
        "member_guidance": item.member_guidance,
    }
    for prefix in ("positions", "commitments"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
        }
    response = admin.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert client.post(edit_url(logged), mine).status_code == 409


def test_the_008_agent_cannot_see_the_005_only_pages_of_another_agent(
    client, logged, agent_005, unit_005
):
    other = Client()
    other.force_login(agent_005)
    advocates = {name: AdvocateFactory(name=name, unit=unit_005) for name in SEED["advocates"][:3]}
    data = seed_post(unit_005, advocates, topic=None)
    assert other.post(NEW_URL, data).status_code == 302
    theirs = Session.objects.get(units=unit_005)

    for name in ["session_detail", "session_edit"]:
        assert client.get(reverse(f"sessions:{name}", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:confer_session_change", args=[theirs.pk])).status_code == 404
    home = client.get(reverse("sessions:agent_home"))
    assert theirs not in home.context["recent"]
    assert other.get(reverse("sessions:session_detail", args=[logged.pk])).status_code == 404


# Following earlier commitments up while logging a session (issue 14)
@pytest.fixture
def earlier_commitments(unit_005, unit_008):
    from tests.factories import AgendaItemFactory, CommitmentFactory, SessionFactory

    earlier = SessionFactory(units=[unit_008], date=datetime.date(2019, 11, 1), status="held")
    ours = CommitmentFactory(
        agenda_item=AgendaItemFactory(session=earlier), description="Send the staffing data"
    )
    elsewhere = SessionFactory(units=[unit_005], date=datetime.date(2019, 11, 1), status="held")
    theirs = CommitmentFactory(
        agenda_item=AgendaItemFactory(session=elsewhere), description="Fix the 005 roster"
    )
    return ours, theirs


def test_earlier_commitments_are_settled_in_the_logging_form(
    client, agent_008, unit_008, advocates_008, earlier_commitments
):
    ours, theirs = earlier_commitments
    client.force_login(agent_008)
    page = client.get(NEW_URL).content.decode()
    assert "Send the staffing data" in page and "Fix the 005 roster" not in page
    data = seed_post(unit_008, advocates_008, topic=None)
    data[f"c{ours.pk}-outcome"] = "kept"
    data[f"c{ours.pk}-note"] = "The data came in December."
    data[f"c{theirs.pk}-outcome"] = "broken"  # not offered to this agent: ignored
    response = client.post(NEW_URL, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    session = Session.objects.get(date=SEED["date"])
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.status, ours.resolved_on, ours.followed_up_in) == ("kept", SEED["date"], session)
    assert ours.resolution_note == "The data came in December."
    assert theirs.status == "open"
    detail = client.get(response.url).content.decode()
    assert "Send the staffing data" in detail
    assert "1 earlier commitment(s) followed up" in detail


def test_a_commitment_is_not_settled_at_a_session_still_to_come(
    client, agent_008, unit_008, advocates_008, earlier_commitments
):
    ours, _ = earlier_commitments
    client.force_login(agent_008)
    data = seed_post(unit_008, advocates_008, topic=None)
    data["date"] = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    data["action"] = "save"
    data[f"c{ours.pk}-outcome"] = "kept"
    response = client.post(NEW_URL, data)
    assert response.status_code == 200
    assert "still to come" in response.content.decode()
    assert Session.objects.count() == 2  # the two earlier sessions only
    ours.refresh_from_db()
    assert ours.status == "open"


@pytest.mark.parametrize("extra", [0, 20])
def test_the_logging_form_offers_follow_up_in_a_constant_number_of_queries(
    client, agent_008, unit_008, earlier_commitments, extra, django_assert_max_num_queries
):
    from tests.factories import AgendaItemFactory, CommitmentFactory, SessionFactory

    for _ in range(extra):
        session = SessionFactory(units=[unit_008], date=datetime.date(2019, 12, 1))
        CommitmentFactory(agenda_item=AgendaItemFactory(session=session))
    client.force_login(agent_008)
    with django_assert_max_num_queries(16):
        response = client.get(NEW_URL)
    assert len(response.context["flow"].follow_up_rows) == 1 + extra
