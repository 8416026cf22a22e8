"""Carry-over in the agent's pages: earlier open commitments followed up at a new session."""

import datetime

import pytest
from django.urls import reverse

from sessions.models import Commitment, Session
from tests.factories import AgendaItemFactory, CommitmentFactory, SessionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def earlier_commitment(unit, topic, day=datetime.date(2024, 1, 10), **kwargs) -> Commitment:
    session = SessionFactory(date=day, units=[unit])
    item = AgendaItemFactory(session=session, topic=topic, order=1)
    return CommitmentFactory(
        agenda_item=item, order=1, due_date=datetime.date(2024, 2, 1), **kwargs
    )


@pytest.fixture
def later_session(unit_008):
    session = SessionFactory(date=datetime.date(2024, 3, 1), units=[unit_008])
    return session


def url(session: Session) -> str:
    return reverse("sessions:session_follow_up", args=[session.pk])


def test_agent_sees_and_keeps_an_earlier_commitment_at_the_new_session(
    client, agent_008, unit_008, later_session
):
    commitment = earlier_commitment(unit_008, TopicFactory(), description="Send the names.")
    client.force_login(agent_008)

    page = client.get(url(later_session))
    assert page.status_code == 200
    assert "Send the names." in page.text

    prefix = f"c{commitment.pk}"
    response = client.post(
        url(later_session), {f"{prefix}-outcome": "kept", f"{prefix}-note": "Names sent."}
    )
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "kept"
    assert commitment.resolved_on == later_session.date
    assert commitment.followed_up_in == later_session
    assert commitment.resolution_note == "Names sent."


def test_summary_page_links_the_follow_up(client, agent_008, later_session):
    client.force_login(agent_008)
    response = client.get(reverse("sessions:session_detail", args=[later_session.pk]))
    assert url(later_session) in response.text


def test_a_forged_outcome_saves_nothing(client, agent_008, unit_008, later_session):
    commitment = earlier_commitment(unit_008, TopicFactory())
    client.force_login(agent_008)
    response = client.post(url(later_session), {f"c{commitment.pk}-outcome": "forgotten"})
    assert response.status_code == 400
    assert "Nothing was saved" in response.text
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_another_units_agent_cannot_open_it(client, agent_005, later_session):
    client.force_login(agent_005)
    assert client.get(url(later_session)).status_code == 404
    assert client.post(url(later_session), {}).status_code == 404


@pytest.mark.parametrize("who", ["member", "communications"])
def test_roles_without_commitment_rights_are_refused(client, request, who, later_session):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(later_session)).status_code == 403


def test_a_draft_session_is_not_followed_up_yet(client, agent_008, unit_008):
    draft = SessionFactory(date=datetime.date(2024, 3, 1), units=[unit_008], status="scheduled")
    client.force_login(agent_008)
    response = client.get(url(draft))
    assert response.status_code == 302
    assert response.url == reverse("sessions:session_detail", args=[draft.pk])


def test_commitments_of_other_units_are_not_offered(client, agent_008, unit_005, later_session):
    other = earlier_commitment(unit_005, TopicFactory(), description="Another unit's promise.")
    client.force_login(agent_008)
    assert other.description not in client.get(url(later_session)).text


def test_query_count_does_not_grow_with_commitments(
    client, agent_008, unit_008, later_session, django_assert_max_num_queries
):
    client.force_login(agent_008)
    topic = TopicFactory()
    earlier_commitment(unit_008, topic)
    with django_assert_max_num_queries(12) as few:
        client.get(url(later_session))
    for n in range(10):
        earlier_commitment(unit_008, topic, day=datetime.date(2024, 1, 11 + n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(later_session))
    assert response.text.count("<fieldset>") == 11
