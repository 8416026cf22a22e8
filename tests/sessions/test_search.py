"""Searching the record (sessions/search.py): words anywhere in an agenda item, its positions and
commitments; filters; never a session the person may not read; a constant number of queries."""

import datetime

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.urls import reverse

from sessions.models import AgendaItem
from sessions.search import SEARCH_VECTOR
from tests.factories import (
    AgendaItemFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("sessions:record_search")


def found(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.context["page_obj"]
    return [] if page is None else [item.title for item in page]


@pytest.fixture
def record(unit_005, unit_008):
    pilot, cares = TopicFactory(name="CPS pilot"), TopicFactory(name="CARES testing")
    ours = AgendaItemFactory(
        session=SessionFactory(units=[unit_008], date=datetime.date(2020, 1, 17)),
        topic=pilot,
        title="Pilot testing phase",
        internal_notes="Ask Jeannine about the court calendar",
    )
    PositionFactory(agenda_item=ours, party="county", statement="Testing lasts six months.")
    CommitmentFactory(agenda_item=ours, party="upe", description="Meet again after training.")
    testers = AgendaItemFactory(
        session=SessionFactory(units=[unit_008], date=datetime.date(2023, 9, 15)),
        topic=cares,
        title="Testers for CARES",
        discussion="Volunteers testing CARES.",
    )
    PositionFactory(agenda_item=testers, party="upe", statement="Favoritism in the criteria.")
    theirs = AgendaItemFactory(
        session=SessionFactory(units=[unit_005], date=datetime.date(2023, 9, 15)),
        topic=cares,
        title="Other unit's testing",
    )
    PositionFactory(agenda_item=theirs, party="county", statement="Testing for 005 only.")
    return {"pilot": pilot, "cares": cares}


def test_words_are_found_in_positions_commitments_and_notes_of_the_agents_units_only(
    client, agent_008, record
):
    client.force_login(agent_008)
    assert found(client, q="testing") == ["Testers for CARES", "Pilot testing phase"]
    assert found(client, q="six months") == ["Pilot testing phase"]  # a position
    assert found(client, q="after training") == ["Pilot testing phase"]  # a commitment
    assert found(client, q="court calendar") == ["Pilot testing phase"]  # internal notes
    assert found(client, q="005 only") == []  # another unit's session


def test_filters_by_topic_party_and_dates(client, staff, record):
    client.force_login(staff)
    assert found(client, q="testing", topic=record["cares"].pk) == [
        "Testers for CARES",
        "Other unit's testing",
    ]
    assert found(client, party="upe") == ["Testers for CARES", "Pilot testing phase"]
    assert found(client, date_to="2020-12-31") == ["Pilot testing phase"]
    bad = client.get(URL, {"date_from": "2024-01-01", "date_to": "2020-01-01"})
    assert "The end of the range is before its start." in bad.content.decode()


def test_an_agent_is_offered_their_units_only_and_cannot_ask_for_another(
    client, agent_008, unit_005, record
):
    client.force_login(agent_008)
    form = client.get(URL).context["form"]
    assert [unit.code for unit in form.fields["unit"].queryset] == ["008"]
    response = client.get(URL, {"unit": unit_005.pk})
    assert response.context["page_obj"] is None  # "not a valid choice": nothing searched


def test_members_and_visitors_cannot_search_the_record(client, member):
    assert client.get(URL).status_code == 302
    client.force_login(member)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("extra", [0, 30])
def test_the_search_runs_a_constant_number_of_queries(
    client, staff, record, extra, django_assert_max_num_queries
):
    for n in range(extra):
        PositionFactory(agenda_item=AgendaItemFactory(title=f"Testing {n}"), statement="testing")
    client.force_login(staff)
    # 14: on PostgreSQL the results are counted by the planner's estimate, then exactly within
    # a time limit (EXPLAIN, SAVEPOINT, SET, COUNT, SET, RELEASE: upe_confer/pagination.py).
    with django_assert_max_num_queries(14):
        assert found(client, q="testing")


def test_the_search_text_follows_every_change_to_an_item_its_positions_and_commitments():
    item = AgendaItemFactory(title="Caseload caps")
    position = PositionFactory(agenda_item=item, statement="Forty cases at most.")
    commitment = CommitmentFactory(agenda_item=item, description="Send the caseload data.")
    item.refresh_from_db()
    assert "Forty cases" in item.search_text and "caseload data" in item.search_text

    position.statement = "Thirty-five cases."
    position.save()
    commitment.delete()
    item.refresh_from_db()
    assert "Thirty-five" in item.search_text and "Forty" not in item.search_text
    assert "caseload data" not in item.search_text

    AgendaItem.objects.filter(pk=item.pk).update(search_text="")
    assert AgendaItem.objects.filter(pk=item.pk).refresh_search_text() == 1
    item.refresh_from_db()
    assert "Caseload caps" in item.search_text and "Thirty-five" in item.search_text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full text is PostgreSQL's")
def test_postgresql_matches_word_forms_on_the_indexed_vector(client, staff, record):
    client.force_login(staff)
    everything_tested = ["Testers for CARES", "Other unit's testing", "Pilot testing phase"]
    assert found(client, q="tests") == everything_tested
    assert found(client, q="volunteer") == ["Testers for CARES"]
    assert found(client, q='"six months" -pilot') == []  # websearch syntax
    with connection.cursor() as cursor:
        # A few rows are read fastest by scanning: make the planner show the index can serve.
        for scan in ["seqscan", "indexscan", "indexonlyscan"]:
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        plan = AgendaItem.objects.annotate(vector=SEARCH_VECTOR).filter(
            vector=SearchQuery("testing", config="english")
        )
        assert "confer_agendaitem_search_vector" in plan.explain()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's fallback")
def test_sqlite_matches_each_word_inside_the_text(client, staff, record):
    client.force_login(staff)
    assert found(client, q="TEST months") == ["Pilot testing phase"]
