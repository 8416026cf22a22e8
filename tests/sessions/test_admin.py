"""Every admin page renders for a superuser, in a number of queries that does not grow with rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.demo import load_demo
from sessions.models import BargainingUnit, Session, Topic
from tests.factories import (
    AdvocateFactory,
    AgendaItemFactory,
    AttendanceFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:confer_bargainingunit_changelist",
    "admin:confer_topic_changelist",
    "admin:confer_session_changelist",
    "admin:confer_agendaitem_changelist",
    "admin:confer_position_changelist",
    "admin:confer_commitment_changelist",
    "admin:confer_advocate_changelist",
    "admin:confer_attendance_changelist",
]


def add_rows(count: int) -> None:
    """Sessions with everything hanging off them, each with its own unit and topic."""
    for n in range(count):
        unit = BargainingUnitFactory()
        session = SessionFactory(
            date=datetime.date(2024, 1, 1) + datetime.timedelta(days=n), units=[unit]
        )
        item = AgendaItemFactory(session=session, topic=TopicFactory(), order=1)
        item.topic.units.add(unit)
        PositionFactory(agenda_item=item, order=1)
        CommitmentFactory(agenda_item=item, order=1)
        AttendanceFactory(session=session, advocate=AdvocateFactory(unit=unit))


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, name, django_assert_max_num_queries
):
    url = reverse(name)
    add_rows(2)
    few = count_queries(admin_client, url)
    add_rows(5)
    with django_assert_max_num_queries(few):
        response = admin_client.get(url)
    assert response.status_code == 200


# Each list with each kind of filter it offers and its search ({unit}, {topic}: the first ones).
FILTERED = [
    ("admin:confer_session_changelist", "status__exact=held"),
    ("admin:confer_session_changelist", "units__id__exact={unit}"),
    ("admin:confer_session_changelist", "date__year=2024"),
    ("admin:confer_session_changelist", "q=agenda"),
    ("admin:confer_agendaitem_changelist", "topic__id__exact={topic}"),
    ("admin:confer_agendaitem_changelist", "session__units__id__exact={unit}"),
    ("admin:confer_agendaitem_changelist", "q=agenda"),
    ("admin:confer_position_changelist", "party__exact=county"),
    ("admin:confer_position_changelist", "q=county"),
    ("admin:confer_commitment_changelist", "status__exact=open"),
    ("admin:confer_commitment_changelist", "session_year=2024"),
    ("admin:confer_commitment_changelist", "agenda_item__session__units__id__exact={unit}"),
    ("admin:confer_commitment_changelist", "q=promised"),
    ("admin:confer_advocate_changelist", "unit__id__exact={unit}"),
    ("admin:confer_attendance_changelist", "advocate__unit__id__exact={unit}"),
    ("admin:confer_topic_changelist", "units__id__exact={unit}"),
    # Every unit's name says "Bargaining Unit" (a digit of the code would depend on how many
    # units earlier tests made: "0" is in 100-110 but not in 111-119).
    ("admin:confer_bargainingunit_changelist", "q=Bargaining"),
]


@pytest.mark.parametrize(("name", "query"), FILTERED)
def test_filtered_and_searched_changelists_run_as_many_queries_for_more_rows(
    admin_client, name, query, django_assert_max_num_queries
):
    add_rows(2)
    first = {
        "unit": BargainingUnit.objects.order_by("pk").first().pk,
        "topic": Topic.objects.order_by("pk").first().pk,
    }
    url = f"{reverse(name)}?{query.format(**first)}"
    few = count_queries(admin_client, url)
    add_rows(5)
    with django_assert_max_num_queries(few):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_search_finds_commitments_by_their_own_words_and_their_topic(admin_client):
    add_rows(3)
    CommitmentFactory(description="Share the caseload numbers.")
    url = reverse("admin:confer_commitment_changelist")
    found = admin_client.get(url, {"q": "caseload"}).context["cl"].result_list
    assert [c.description for c in found] == ["Share the caseload numbers."]
    assert not admin_client.get(url, {"q": "zeppelin"}).context["cl"].result_list
    topic = Topic.objects.order_by("pk").first()
    by_topic = admin_client.get(url, {"q": topic.name}).context["cl"].result_list
    assert [c.agenda_item.topic for c in by_topic] == [topic]


def test_session_search_finds_the_session_of_a_matching_agenda_item(admin_client):
    add_rows(3)
    item = AgendaItemFactory(title="Telework stipend", order=2)
    url = reverse("admin:confer_session_changelist")
    found = admin_client.get(url, {"q": "telework"}).context["cl"].result_list
    assert list(found) == [item.session]


def test_session_search_follows_the_words_of_the_session_its_items_and_their_topics(
    admin_client,
):
    session = SessionFactory(summary="Quarterly check-in", location="Room 5")
    telework = TopicFactory(name="Telework")
    item = AgendaItemFactory(session=session, topic=telework, title="Stipend amounts")
    CommitmentFactory(agenda_item=item, description="County to send the parking survey")
    SessionFactory(summary="Unrelated")
    url = reverse("admin:confer_session_changelist")

    def found(words: str) -> list:
        return list(admin_client.get(url, {"q": words}).context["cl"].result_list)

    for words in ["quarterly", "room", "stipend", "telework"]:
        assert found(words) == [session], words
    if connection.vendor == "postgresql":  # SQLite searches the admin's search_fields only
        assert found("parking survey") == [session]
    telework.name = "Remote work"
    telework.save()
    assert found("remote") == [session] and found("telework") == []
    item.delete()
    assert found("stipend") == [] and found("quarterly") == [session]


def test_changelist_shows_no_second_full_count(admin_client):
    add_rows(2)
    response = admin_client.get(reverse("admin:confer_commitment_changelist"))
    assert response.context["cl"].full_result_count is None


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_search_and_filters_work(admin_client, name):
    load_demo()
    response = admin_client.get(reverse(name), {"q": "Singleton"})
    assert response.status_code == 200


def test_session_changelist_shows_both_seed_sessions(admin_client):
    load_demo()
    response = admin_client.get(reverse("admin:confer_session_changelist"))
    assert response.status_code == 200
    assert "January 17, 2020" in response.text
    assert "September 15, 2023" in response.text
    assert "005 and 008" in response.text
    assert "CARES testing" in response.text


def test_a_search_offers_the_date_drill_down_once_a_date_is_picked(admin_client):
    load_demo()
    url = reverse("admin:confer_session_changelist")
    drill_down = 'id="date-hierarchy-label"'  # Django's date hierarchy
    assert drill_down in admin_client.get(url).text
    searched = admin_client.get(url, {"q": "testing"}).text
    assert "September 15, 2023" in searched and drill_down not in searched
    in_a_year = admin_client.get(url, {"q": "testing", "date__year": "2023"}).text
    assert "September 15, 2023" in in_a_year and drill_down in in_a_year


def test_session_changelist_filters_by_unit(admin_client):
    load_demo()
    unit = BargainingUnit.objects.get(code="005")
    response = admin_client.get(
        reverse("admin:confer_session_changelist"), {"units__id__exact": unit.pk}
    )
    assert "September 15, 2023" in response.text
    assert "January 17, 2020" not in response.text


def test_session_change_form_shows_agenda_and_advocates(
    admin_client, django_assert_max_num_queries
):
    load_demo()
    session = Session.objects.get(date=datetime.date(2020, 1, 17))
    with django_assert_max_num_queries(60):
        response = admin_client.get(reverse("admin:confer_session_change", args=[session.pk]))
    assert response.status_code == 200
    assert "The safety of our members" in response.text
    assert "Jeannine Lopez" in response.text


def test_agenda_item_change_form_shows_positions_and_commitments(admin_client):
    load_demo()
    item = Session.objects.get(date=datetime.date(2023, 9, 15)).agenda_items.get()
    response = admin_client.get(reverse("admin:confer_agendaitem_change", args=[item.pk]))
    assert response.status_code == 200
    assert "cherry-pick their favorites" in response.text
    assert "names of 005 and 008 staff" in response.text


@pytest.mark.parametrize(
    "name",
    [
        "admin:confer_bargainingunit_add",
        "admin:confer_topic_add",
        "admin:confer_session_add",
        "admin:confer_agendaitem_add",
        "admin:confer_position_add",
        "admin:confer_commitment_add",
        "admin:confer_advocate_add",
        "admin:confer_attendance_add",
    ],
)
def test_add_forms_render(admin_client, name):
    assert admin_client.get(reverse(name)).status_code == 200


def test_session_history_is_visible_in_the_admin(admin_client):
    load_demo()
    session = Session.objects.get(date=datetime.date(2020, 1, 17))
    response = admin_client.get(reverse("admin:confer_session_history", args=[session.pk]))
    assert response.status_code == 200


def test_a_commitment_with_no_date_given_is_recorded_as_such(admin_client):
    item = AgendaItemFactory()
    response = admin_client.post(
        reverse("admin:confer_commitment_add"),
        {
            "agenda_item": item.pk,
            "order": 1,
            "party": "county",
            "description": "Something",
            "status": "open",
        },
    )
    assert response.status_code == 302
    assert item.commitments.get().when_due == "no date given"


def test_a_negative_offset_is_offered_and_kept(admin_client):
    item = AgendaItemFactory()
    response = admin_client.post(
        reverse("admin:confer_commitment_add"),
        {
            "agenda_item": item.pk,
            "order": 1,
            "party": "county",
            "description": "Give notice.",
            "trigger": "when the policy changes",
            "trigger_offset_days": "-10",
            "status": "open",
        },
    )
    assert response.status_code == 302
    assert item.commitments.get().when_due == "10 days before the policy changes"


def test_deleting_a_unit_in_the_record_is_refused_with_a_message(admin_client):
    load_demo()
    unit = BargainingUnit.objects.get(code="008")
    response = admin_client.post(
        reverse("admin:confer_bargainingunit_delete", args=[unit.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "protected" in response.text
    assert BargainingUnit.objects.filter(code="008").exists()


def test_refused_unit_deletion_says_nothing_was_deleted(admin_client):
    unit = BargainingUnitFactory(code="077")
    SessionFactory(units=[unit])  # referred to by a session only, no advocate
    response = admin_client.get(reverse("admin:confer_bargainingunit_delete", args=[unit.pk]))
    assert "Nothing was deleted" in response.text
    assert "Session: Meet and confer" in response.text
