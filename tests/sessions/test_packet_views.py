"""The evidence packet page (/agent/packets/) and its downloads: who may do what, bad input, the
background task, "changed since", and a constant number of queries."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse

from sessions import operations
from sessions.models import EvidencePacket
from sessions.packet import facts_of, fingerprint
from sessions.tasks import render_evidence_packet
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
    attach,
)
from tests.sessions.test_permissions import LOGIN, ROLES
from tests.worker import failed_tasks, run_ready_tasks

pytestmark = pytest.mark.django_db

PAGE = reverse("sessions:packet")


@pytest.fixture
def users(agent_005, agent_008, communications, staff, member):
    return {
        "anonymous": None,
        "member": member,
        "communications": communications,
        "agent_005": agent_005,
        "agent_008": agent_008,
        "staff": staff,
    }


@pytest.fixture
def record(unit_008):
    """An 008-only session on a topic, and a PDF packet of it made by staff and one by the 008
    agent (a stand-in file: these tests are about who gets it, not what it holds)."""
    topic = TopicFactory(name="Caseloads")
    session = SessionFactory(units=[unit_008], location="Room 1")
    item = AgendaItemFactory(session=session, topic=topic, order=1, title="Caseload caps")
    PositionFactory(agenda_item=item, order=1, statement="Caps of 30.")
    return {"topic": topic, "session": session, "item": item}


def made_packet(session, by, topic=None) -> EvidencePacket:
    packet = EvidencePacket.objects.create(topic=topic, produced_by=by)
    packet.sessions.set([session])
    packet.fingerprint = fingerprint(facts_of(packet))
    packet.page_count = 1
    packet.file.save("packet.pdf", ContentFile(b"%PDF-1.4 stand-in"), save=True)
    return packet


def download(packet) -> str:
    return reverse("sessions:packet_download", args=[packet.pk])


ACTIONS = {
    "packet page": ("get", lambda r: PAGE, None, [LOGIN, 403, 403, 200, 200, 200]),
    "packet page with a bad topic": (
        "get",
        lambda r: PAGE + "?topic=x1",
        None,
        [LOGIN, 403, 403, 200, 200, 200],
    ),
    # Agent 005 may not read the 008 session: the choice is refused on the form.
    "make a packet of a session": (
        "post",
        lambda r: PAGE,
        lambda r: {"sessions": [str(r["session"].pk)]},
        [LOGIN, 403, 403, 400, 302, 302],
    ),
    "make a packet of a topic": (
        "post",
        lambda r: PAGE,
        lambda r: {"topic": str(r["topic"].pk)},
        [LOGIN, 403, 403, 400, 302, 302],
    ),
    "download staff's packet": (
        "get",
        lambda r: download(r["staff_packet"]),
        None,
        [LOGIN, 403, 403, 404, 404, 200],
    ),
    "download the 008 agent's packet": (
        "get",
        lambda r: download(r["agent_packet"]),
        None,
        [LOGIN, 403, 403, 404, 200, 200],
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_matrix(client, users, record, role, action):
    record["staff_packet"] = made_packet(record["session"], users["staff"])
    record["agent_packet"] = made_packet(record["session"], users["agent_008"])
    method, make_url, make_data, expected_by_role = ACTIONS[action]
    expected = expected_by_role[ROLES.index(role)]
    if users[role] is not None:
        client.force_login(users[role])
    before = EvidencePacket.objects.count()
    response = getattr(client, method)(make_url(record), make_data(record) if make_data else None)
    if expected == LOGIN:
        assert response.status_code == 302
        assert "login" in response["Location"]
    else:
        assert response.status_code == expected
    made = EvidencePacket.objects.count() - before
    assert made == (1 if method == "post" and expected == 302 else 0)


def test_a_packet_is_made_in_the_background_and_downloaded(
    client, staff, record, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"topic": record["topic"].pk, "date_from": "2024-01-01"})
    assert response.status_code == 302
    packet = EvidencePacket.objects.get()
    assert [s.pk for s in packet.sessions.all()] == [record["session"].pk]
    assert "Being made" in client.get(PAGE).content.decode()

    assert run_ready_tasks() == 1
    assert not failed_tasks()
    packet.refresh_from_db()
    assert packet.is_rendered and packet.page_count >= 2, failed_tasks()
    assert packet.fingerprint == fingerprint(facts_of(packet))
    assert render_evidence_packet.call(packet.pk) == "nothing to do"  # safe to run twice
    response = client.get(download(packet))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    page = client.get(PAGE).content.decode()
    assert "Unchanged" in page and "Download" in page


def test_the_page_says_when_the_record_has_changed_since(client, staff, record):
    packet = made_packet(record["session"], staff, topic=record["topic"])
    client.force_login(staff)
    assert "Unchanged" in client.get(PAGE).content.decode()
    record["item"].positions.update(statement="Caps of 35.")
    page = client.get(PAGE).content.decode()
    assert "Changed since this packet was made" in page
    assert packet.fingerprint != fingerprint(facts_of(packet))


def test_changes_to_another_topics_item_leave_a_topic_packet_unchanged(client, staff, record):
    other = AgendaItemFactory(session=record["session"], order=2, title="Parking")
    made_packet(record["session"], staff, topic=record["topic"])
    other.title = "Parking fees"
    other.save()
    client.force_login(staff)
    assert "Unchanged" in client.get(PAGE).content.decode()


def test_agents_never_see_the_internal_notes_box_and_a_forged_one_is_refused(
    client, agent_008, record
):
    client.force_login(agent_008)
    assert "include_internal_notes" not in client.get(PAGE).content.decode()
    response = client.post(
        PAGE, {"sessions": [record["session"].pk], "include_internal_notes": "on"}
    )
    assert response.status_code == 400
    assert "Only staff may include internal notes" in response.content.decode()
    assert not EvidencePacket.objects.exists()
    with pytest.raises(PermissionDenied):
        operations.request_evidence_packet(
            [record["session"]], by=agent_008, include_internal_notes=True
        )


def test_staff_may_choose_internal_notes(client, staff, record):
    client.force_login(staff)
    assert "include_internal_notes" in client.get(PAGE).content.decode()
    client.post(PAGE, {"sessions": [record["session"].pk], "include_internal_notes": "on"})
    assert EvidencePacket.objects.get().include_internal_notes


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose a topic or some sessions."),
        ({"topic": "abc"}, "Select a valid choice"),
        ({"topic": "99999999"}, "Select a valid choice"),
        ({"sessions": ["x"]}, "is not a valid value"),
        ({"sessions": ["99999999"]}, "Select a valid choice"),
        ({"topic": "TOPIC", "date_from": "2024-13-45"}, "Enter a valid date"),
        ({"topic": "TOPIC", "date_from": "2025-01-02", "date_to": "2025-01-01"}, "before its"),
        ({"topic": "TOPIC", "date_from": "2030-01-01"}, "No session you may read matches"),
        ({"topic": "TOPIC", "date_to": "10000-01-01"}, "Enter a valid date"),
    ],
)
def test_bad_input_is_a_form_error(client, staff, record, data, message):
    data = {
        key: str(record["topic"].pk) if value == "TOPIC" else value for key, value in data.items()
    }
    client.force_login(staff)
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EvidencePacket.objects.exists()


def test_a_topic_link_fills_in_the_topic(client, staff, record):
    client.force_login(staff)
    response = client.get(PAGE, {"topic": record["topic"].pk})
    assert response.context["form"]["topic"].value() == record["topic"].pk


def grow(unit, topic, staff, size: int) -> None:
    """`size` sessions, each with items, positions, commitments, advocates and a document, and
    a packet of each."""
    for n in range(size):
        session = SessionFactory(units=[unit], location=f"Room {n}")
        item = AgendaItemFactory(session=session, topic=topic, order=1)
        PositionFactory(agenda_item=item, order=1)
        PositionFactory(agenda_item=item, order=2)
        CommitmentFactory(agenda_item=item, order=1)
        AttendanceFactory(session=session, advocate__unit=unit)
        attach(session, name=f"p{n}.pdf", text=f"Proposal {n}")
        item.title = f"Renamed {n}"
        item.save()
        made_packet(session, staff, topic=topic)


@pytest.mark.parametrize("size", [1, 6])
def test_the_page_runs_a_constant_number_of_queries(
    client, staff, record, unit_008, size, django_assert_max_num_queries
):
    grow(unit_008, record["topic"], staff, size)
    client.force_login(staff)
    # The same at both sizes (21 today): the packets, their sessions, the form's choices, and
    # the record read once for every packet listed (sessions/packet.py: facts_by_packet).
    with django_assert_max_num_queries(21):
        response = client.get(PAGE)
    assert response.status_code == 200
    assert len(response.context["rows"]) == size


def test_the_download_runs_a_constant_number_of_queries(
    client, staff, record, django_assert_max_num_queries
):
    packet = made_packet(record["session"], staff)
    client.force_login(staff)
    with django_assert_max_num_queries(5):
        assert client.get(download(packet)).status_code == 200


def test_the_packet_page_is_linked_from_the_menu_home_and_topic_history(client, agent_008, record):
    client.force_login(agent_008)
    link = f'href="{PAGE}'
    assert link in client.get(reverse("sessions:agent_home")).content.decode()
    history = client.get(reverse("reports:topic", args=[record["topic"].pk])).content.decode()
    assert f"{PAGE}?topic={record['topic'].pk}" in history
    assert link in client.get(reverse("reports:index")).content.decode()


def test_communications_is_not_offered_the_packet_page(client, communications):
    client.force_login(communications)
    assert f'href="{PAGE}' not in client.get(reverse("sessions:record_search")).content.decode()


def test_the_session_list_offers_only_readable_sessions_and_keeps_the_choice(
    client, agent_005, agent_008, record, unit_005
):
    mine = SessionFactory(units=[unit_005])
    client.force_login(agent_005)
    page = client.get(PAGE).content.decode()
    assert f'<option value="{mine.pk}">March 1, 2024 · 005 · Held</option>' in page
    assert f'<option value="{record["session"].pk}">March 1, 2024 · 008' not in page
    response = client.post(PAGE, {"sessions": [mine.pk], "date_from": "2030-01-01"})
    assert response.status_code == 400
    assert f'<option value="{mine.pk}" selected>' in response.content.decode()


def test_an_agents_pdf_never_holds_another_units_session(
    client, agent_005, django_capture_on_commit_callbacks
):
    from members.demo import load_demo
    from tests.sessions.test_packet import text_of

    sessions = load_demo()  # 2020: 008 only; 2023: 005 and 008
    client.force_login(agent_005)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"sessions": [s.pk for s in sessions]})
    assert response.status_code == 400  # the 2020 session is not offered to them
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            PAGE, {"date_from": "2000-01-01", "topic": sessions[1].agenda_items.get().topic.pk}
        )
    run_ready_tasks()
    packet = EvidencePacket.objects.get()
    text = text_of(packet.file.read())
    assert "September 15, 2023" in text
    assert "January 17, 2020" not in text
    assert "Jeannine Lopez" not in text


def test_an_agent_taken_off_a_unit_loses_its_packets(client, agent_008, record, unit_008):
    packet = made_packet(record["session"], agent_008)
    client.force_login(agent_008)
    assert client.get(download(packet)).status_code == 200
    unit_008.agents.remove(agent_008)
    assert client.get(download(packet)).status_code == 404
    assert client.get(PAGE).context["rows"] == []
