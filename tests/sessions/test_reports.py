"""The follow-up reports in the admin: who may see them, what they show, CSV, query counts."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.models import AgendaItem, BargainingUnit, Commitment, Session
from sessions.reports.exports import safe_cell
from sessions.reports.queries import kept_scorecard
from sessions.reports.views import COMMITMENT_CSV_HEADER, REPORTS
from tests.factories import (
    AgendaItemFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
)
from tests.sessions.conftest import user_with_role
from upe_confer.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 6, 1)
# Noon in Sacramento on TODAY.
NOON = datetime.datetime(2024, 6, 1, 19, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(NOON, tick=False):
        yield


def report_urls(topic_pk: int) -> list[str]:
    urls = [
        reverse("reports:index"),
        reverse("reports:scorecard"),
        reverse("reports:scorecard_print"),
        reverse("reports:scorecard_csv"),
        reverse("reports:topics"),
        reverse("reports:topic", args=[topic_pk]),
        reverse("reports:topic_print", args=[topic_pk]),
        reverse("reports:topic_csv", args=[topic_pk]),
    ]
    for slug in REPORTS:
        urls += [
            reverse("reports:commitments", args=[slug]),
            reverse("reports:commitments_print", args=[slug]),
            reverse("reports:commitments_csv", args=[slug]),
        ]
    return urls


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# --- Who may see them -------------------------------------------------------------------------

FORBIDDEN = [
    # (role, is_staff flag, expected status): without the admin flag the admin sends people to
    # its login page; with it, anyone but Staff is refused outright.
    (None, False, 302),
    (Role.MEMBER, False, 302),
    (Role.BUSINESS_AGENT, False, 302),
    (Role.COMMUNICATIONS, True, 403),
    (Role.MEMBER, True, 403),
    (None, True, 403),
]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    topic = TopicFactory()
    for url in report_urls(topic.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]


@pytest.mark.parametrize(("role", "is_staff", "status"), FORBIDDEN)
def test_every_report_is_forbidden_without_the_staff_role(client, roles, role, is_staff, status):
    topic = TopicFactory()
    client.force_login(user_with_role(roles, role, is_staff=is_staff, username="someone"))
    for url in report_urls(topic.pk):
        response = client.get(url)
        assert response.status_code == status, url
        assert "Export CSV" not in body(response)


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_every_report_opens_for_staff_and_superusers(client, staff_user, superuser, who):
    item = AgendaItemFactory()
    CommitmentFactory(agenda_item=item)
    client.force_login(staff_user if who == "staff" else superuser)
    for url in report_urls(item.topic.pk):
        assert client.get(url).status_code == 200, url


def test_an_unknown_report_is_not_found(staff_client):
    assert staff_client.get("/admin/reports/nonsense/").status_code == 404


# --- What they show -------------------------------------------------------------------------------


def test_overdue_report_lists_yesterdays_but_not_todays_commitments(staff_client):
    CommitmentFactory(description="Due yesterday", due_date=TODAY - datetime.timedelta(days=1))
    CommitmentFactory(description="Due today", due_date=TODAY)
    response = staff_client.get(reverse("reports:commitments", args=["overdue"]))
    assert "Due yesterday" in body(response)
    assert "1 day overdue" in body(response)
    assert "Due today" not in body(response)


def test_awaiting_trigger_report_shows_how_long_it_has_waited(staff_client):
    item = AgendaItemFactory(session=SessionFactory(date=datetime.date(2024, 5, 2)))
    commitment = CommitmentFactory(
        agenda_item=item, description="Pair volunteers", due_date=None, trigger="after training"
    )
    response = staff_client.get(reverse("reports:commitments", args=["awaiting-trigger"]))
    page = body(response)
    assert "Pair volunteers" in page and "waiting 30 days for the trigger" in page
    assert reverse("admin:confer_commitment_trigger", args=[commitment.pk]) in page


def test_commitments_with_no_date_given_are_listed_for_staff_to_chase(staff_client):
    undated = CommitmentFactory(description="Send the names", due_date=None, trigger="")
    CommitmentFactory(description="Dated one", due_date=datetime.date(2024, 5, 1))
    CommitmentFactory(description="Waiting one", due_date=None, trigger="after training")
    index = body(staff_client.get(reverse("reports:index")))
    assert "No date given" in index
    page = body(staff_client.get(reverse("reports:commitments", args=["undated"])))
    assert "Send the names" in page and "no date given" in page
    assert "Dated one" not in page and "Waiting one" not in page
    csv_text = b"".join(
        staff_client.get(reverse("reports:commitments_csv", args=["undated"])).streaming_content
    ).decode()
    assert f"{undated.pk},County,Send the names" in csv_text


def test_report_filters_by_unit_party_topic_owner_and_dates(staff_client):
    unit, other = BargainingUnitFactory(code="008"), BargainingUnitFactory(code="005")
    owner = UserFactory(username="sarah")
    topic = TopicFactory(name="CPS Restructure Pilot")
    item = AgendaItemFactory(session=SessionFactory(units=[unit]), topic=topic)
    CommitmentFactory(
        agenda_item=item, description="Wanted", owner=owner, due_date=datetime.date(2024, 7, 1)
    )
    CommitmentFactory(
        agenda_item=AgendaItemFactory(session=SessionFactory(units=[other])),
        description="Other unit",
        due_date=datetime.date(2024, 7, 1),
    )
    CommitmentFactory(agenda_item=item, description="UPE's", party="upe", owner=owner)
    CommitmentFactory(
        agenda_item=item, description="Too late", owner=owner, due_date=datetime.date(2024, 9, 1)
    )
    url = reverse("reports:commitments", args=["open"])
    query = {
        "unit": unit.pk,
        "party": "county",
        "topic": topic.pk,
        "owner": owner.pk,
        "date_from": "2024-06-15",
        "date_to": "2024-07-31",
    }
    page = body(staff_client.get(url, query))
    assert "Wanted" in page
    assert "Other unit" not in page and "Too late" not in page and "UPE&#x27;s" not in page
    # The CSV honours the same filters.
    rows = list(csv.reader(io.StringIO(body(staff_client.get(url + "csv/", query)))))
    assert [row[2] for row in rows[1:]] == ["Wanted"]


def test_a_bad_filter_shows_its_error_and_no_rows(staff_client):
    CommitmentFactory(description="Anything", due_date=TODAY)
    url = reverse("reports:commitments", args=["open"])
    response = staff_client.get(url, {"date_from": "2024-07-01", "date_to": "2024-06-01"})
    assert response.status_code == 200
    assert "The end of the range is before its start." in body(response)
    assert "Anything" not in body(response)
    response = staff_client.get(url, {"date_from": "not a date"})
    assert "Enter a valid date." in body(response)


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("formula", ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("x")'])
def test_a_cell_starting_a_formula_is_neutralised(formula):
    assert safe_cell(formula) == "'" + formula
    assert safe_cell("Plain text") == "Plain text"
    assert safe_cell(None) == ""


def test_commitment_csv_has_headers_rows_and_no_formulas(staff_client):
    unit = BargainingUnitFactory(code="008")
    item = AgendaItemFactory(
        session=SessionFactory(
            date=datetime.date(2024, 5, 1), units=[unit, BargainingUnitFactory(code="005")]
        ),
        topic=TopicFactory(name="CARES testing"),
        title="Testing schedule",
    )
    CommitmentFactory(
        agenda_item=item,
        description='=HYPERLINK("http://evil.example","click")',
        owner=UserFactory(username="@owner"),
        due_date=datetime.date(2024, 5, 20),
    )
    response = staff_client.get(reverse("reports:commitments_csv", args=["overdue"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="commitments-overdue-2024-06-01.csv"'
    )
    assert response.streaming
    text = body(response)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == COMMITMENT_CSV_HEADER
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["commitment"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["owner"] == "'@owner"
    assert row["units"] == "005 and 008"
    assert row["topic"] == "CARES testing"
    assert row["session date"] == "2024-05-01"
    assert row["due date"] == "2024-05-20"
    assert row["days overdue"] == "12"
    assert row["status"] == "Open"
    assert len(rows) == 2
    for cells in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_scorecard_and_topic_csv_are_neutralised_too(staff_client):
    topic = TopicFactory(name="Pilot")
    item = AgendaItemFactory(topic=topic)
    PositionFactory(agenda_item=item, statement="-5 percent, said the County")
    CommitmentFactory(agenda_item=item, description="+ more staff")
    text = body(staff_client.get(reverse("reports:topic_csv", args=[topic.pk])))
    assert "'-5 percent, said the County" in text and "'+ more staff" in text
    scorecard = body(staff_client.get(reverse("reports:scorecard_csv")))
    header = next(csv.reader(io.StringIO(scorecard.lstrip("\ufeff"))))
    assert header[:4] == ["unit", "unit name", "year", "County made"]


# --- Scorecard ----------------------------------------------------------------------------------


def hand_built_record():
    """Unit 008 met in 2023; units 005 and 008 met together in 2024. Today is June 1, 2024."""
    u008 = BargainingUnitFactory(code="008", name="CPS")
    u005 = BargainingUnitFactory(code="005", name="Social Services")
    item_2023 = AgendaItemFactory(
        session=SessionFactory(date=datetime.date(2023, 9, 15), units=[u008])
    )
    item_2024 = AgendaItemFactory(
        session=SessionFactory(date=datetime.date(2024, 1, 10), units=[u005, u008])
    )
    oct1 = datetime.date(2023, 10, 1)

    def county(item=item_2023, **fields):
        return CommitmentFactory(agenda_item=item, party="county", **fields)

    county(due_date=oct1).mark_kept(on=datetime.date(2023, 9, 30))  # kept on time
    county(due_date=oct1).mark_kept(on=datetime.date(2023, 10, 10))  # kept late
    county(due_date=oct1).mark_broken(on=datetime.date(2023, 11, 1))  # broken
    county(due_date=datetime.date(2023, 12, 1))  # open, overdue
    county(due_date=datetime.date(2024, 7, 1))  # open, not yet due
    county(due_date=None, trigger="after training")  # open, awaiting its trigger
    county(due_date=oct1).withdraw(on=datetime.date(2023, 9, 20))  # withdrawn
    # UPE kept a promise that had no date yet: on time by definition.
    CommitmentFactory(
        agenda_item=item_2023, party="upe", due_date=None, trigger="after the survey"
    ).mark_kept(on=datetime.date(2023, 10, 5))
    # Made to both units at once: it counts for each.
    county(item=item_2024, due_date=datetime.date(2024, 2, 1)).mark_kept(
        on=datetime.date(2024, 1, 20)
    )


def test_scorecard_counts_a_hand_built_record():
    hand_built_record()
    rows = list(Commitment.objects.scorecard(TODAY))
    assert [(r["unit_code"], r["year"]) for r in rows] == [
        ("005", 2024),
        ("008", 2023),
        ("008", 2024),
    ]
    by_key = {(r["unit_code"], r["year"]): r for r in rows}
    r = by_key[("008", 2023)]
    # County in 2023: 7 made; 2 kept (1 on time), 1 broken, 1 withdrawn, 3 open of which 1
    # overdue. On time: 1 kept on time out of 2 kept + 1 broken + 1 overdue = 25%.
    assert (
        r["county_made"],
        r["county_kept"],
        r["county_broken"],
        r["county_withdrawn"],
        r["county_open"],
        r["county_overdue"],
        r["county_on_time"],
    ) == (7, 2, 1, 1, 3, 1, 1)
    assert r["county_on_time_rate"] == pytest.approx(25.0)
    # UPE: 1 made, kept before its trigger came: 100%.
    assert (r["upe_made"], r["upe_kept"], r["upe_on_time"]) == (1, 1, 1)
    assert r["upe_on_time_rate"] == pytest.approx(100.0)
    for key in [("005", 2024), ("008", 2024)]:
        r = by_key[key]
        assert (r["county_made"], r["county_kept"], r["county_on_time"]) == (1, 1, 1)
        assert r["county_on_time_rate"] == pytest.approx(100.0)
        assert r["upe_made"] == 0 and r["upe_on_time_rate"] is None


def test_scorecard_page_and_csv_show_the_numbers(staff_client):
    hand_built_record()
    page = body(staff_client.get(reverse("reports:scorecard")))
    assert "25.0%" in page and "100.0%" in page
    text = body(staff_client.get(reverse("reports:scorecard_csv")))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    row = next(r for r in rows if (r["unit"], r["year"]) == ("008", "2023"))
    assert row["County made"] == "7" and row["County overdue"] == "1"
    assert row["County on-time rate %"] == "25.0"
    assert row["UPE on-time rate %"] == "100.0"
    empty = next(r for r in rows if (r["unit"], r["year"]) == ("005", "2024"))
    assert empty["UPE on-time rate %"] == ""


def kept_is_counted(today=TODAY) -> bool:
    return kept_scorecard(today) == list(Commitment.objects.scorecard(today))


def test_kept_scorecard_is_read_without_counting_again(version_store):
    hand_built_record()
    first = kept_scorecard(TODAY)
    assert first == list(Commitment.objects.scorecard(TODAY))
    # Kept: one version read (none when versions live in the cache), no counting.
    with CaptureQueriesContext(connection) as queries:
        assert kept_scorecard(TODAY) == first
    assert len(queries) == (1 if version_store == "database" else 0)


def test_kept_scorecard_follows_every_change_to_what_it_counts(version_store):
    hand_built_record()
    assert kept_is_counted()
    commitment = Commitment.objects.filter(status=Commitment.Status.OPEN).first()
    commitment.mark_kept(on=TODAY)  # a save
    assert kept_is_counted()
    Commitment.objects.filter(party="county").update(party="upe")  # a bulk write
    assert kept_is_counted()
    CommitmentFactory(agenda_item=AgendaItemFactory(), party="county")  # new rows
    assert kept_is_counted()
    Commitment.objects.filter(pk=commitment.pk).delete()
    assert kept_is_counted()
    session = Session.objects.get(date=datetime.date(2023, 9, 15))
    session.date = datetime.date(2022, 9, 15)  # another year
    session.save(update_fields=["date"])
    assert kept_is_counted()
    session.units.set([BargainingUnitFactory(code="009", name="Nurses")])  # other units
    assert kept_is_counted()
    BargainingUnit.objects.filter(code="005").update(name="Human Services")  # renamed
    assert kept_is_counted()
    item = AgendaItem.objects.filter(session=session).first()
    item.session = SessionFactory(date=datetime.date(2021, 3, 1), units=[])  # moved
    item.save(update_fields=["session"])
    assert kept_is_counted()
    session.delete()  # and its agenda items and commitments with it
    assert kept_is_counted()


def test_kept_scorecard_counts_overdue_again_each_day():
    CommitmentFactory(
        agenda_item=AgendaItemFactory(session=SessionFactory(date=datetime.date(2024, 5, 1))),
        party="county",
        due_date=TODAY,
    )
    assert kept_scorecard(TODAY)[0]["county_overdue"] == 0
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert kept_scorecard(tomorrow)[0]["county_overdue"] == 1
    assert kept_is_counted(tomorrow)


# --- Topic history ------------------------------------------------------------------------------


def topic_counts(client) -> dict[str, tuple[int, int]]:
    page = client.get(reverse("reports:topics")).context["page"]
    return {topic.name: (topic.session_count, topic.commitment_count) for topic in page}


def test_topic_list_counts_sessions_and_commitments_and_follows_changes(staff_client):
    pilot = TopicFactory(name="Pilot")
    TopicFactory(name="Never discussed")
    session = SessionFactory(date=datetime.date(2024, 1, 10))
    first = AgendaItemFactory(topic=pilot, session=session, order=1)
    AgendaItemFactory(topic=pilot, session=session, order=2)  # same session: counted once
    CommitmentFactory(agenda_item=first)
    CommitmentFactory(agenda_item=AgendaItemFactory(topic=pilot))
    expected = {"Pilot": (2, 2), "Never discussed": (0, 0)}
    assert topic_counts(staff_client) == expected
    assert topic_counts(staff_client) == expected  # kept, and the same
    CommitmentFactory(agenda_item=first)
    assert topic_counts(staff_client)["Pilot"] == (2, 3)
    Commitment.objects.filter(agenda_item=first).delete()
    assert topic_counts(staff_client)["Pilot"] == (2, 1)
    AgendaItem.objects.filter(session=session).update(topic=TopicFactory(name="Moved"))
    assert topic_counts(staff_client)["Pilot"] == (1, 1)
    assert topic_counts(staff_client)["Moved"] == (1, 0)


def test_topic_list_counts_only_an_agents_units(client, roles, staff_client):
    mine = BargainingUnitFactory(code="008")
    agent = user_with_role(roles, Role.BUSINESS_AGENT, is_staff=True, username="agent")
    mine.agents.add(agent)
    pilot = TopicFactory(name="Pilot")
    ours = AgendaItemFactory(topic=pilot, session=SessionFactory(units=[mine]))
    CommitmentFactory(agenda_item=ours)
    CommitmentFactory(agenda_item=AgendaItemFactory(topic=pilot))  # another unit's session
    assert topic_counts(staff_client) == {"Pilot": (2, 2)}
    client.force_login(agent)
    assert topic_counts(client) == {"Pilot": (1, 1)}


def test_topic_history_tells_the_story_in_date_order(staff_client):
    topic = TopicFactory(name="CPS Restructure Pilot")
    later = AgendaItemFactory(
        topic=topic, session=SessionFactory(date=datetime.date(2023, 9, 15)), title="Second meeting"
    )
    first = AgendaItemFactory(
        topic=topic, session=SessionFactory(date=datetime.date(2020, 1, 17)), title="Briefing"
    )
    PositionFactory(agenda_item=first, statement="The County proposed the pilot.")
    CommitmentFactory(agenda_item=first, description="Provide the volunteer list")
    PositionFactory(agenda_item=later, party="upe", statement="UPE asked about workload.")
    AgendaItemFactory(title="Another topic entirely")
    page = body(staff_client.get(reverse("reports:topic", args=[topic.pk])))
    order = [
        page.index(text)
        for text in [
            "Briefing",
            "The County proposed the pilot.",
            "Provide the volunteer list",
            "Second meeting",
            "UPE asked about workload.",
        ]
    ]
    assert order == sorted(order)
    assert "Another topic entirely" not in page
    printable = body(staff_client.get(reverse("reports:topic_print", args=[topic.pk])))
    assert "History of CPS Restructure Pilot" in printable and "Briefing" in printable


def test_printable_view_is_a_plain_page_with_every_row(staff_client):
    for n in range(60):
        CommitmentFactory(description=f"Promise {n}", due_date=TODAY)
    html = body(staff_client.get(reverse("reports:commitments_print", args=["open"])))
    assert "Promise 0" in html and "Promise 59" in html
    assert "print.css" in html


# --- Query counts -------------------------------------------------------------------------------


def add_record(count: int, topic) -> None:
    """Sessions with commitments in every state, spread over units, owners and the topic."""
    owner = UserFactory()
    for n in range(count):
        unit = BargainingUnitFactory()
        session = SessionFactory(
            date=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
            units=[unit, BargainingUnitFactory()],
        )
        item = AgendaItemFactory(session=session, topic=topic if n % 2 else TopicFactory(), order=1)
        PositionFactory(agenda_item=item, order=1)
        CommitmentFactory(agenda_item=item, order=1, owner=owner, due_date=TODAY)
        CommitmentFactory(agenda_item=item, order=2, due_date=TODAY - datetime.timedelta(days=3))
        CommitmentFactory(agenda_item=item, order=3, due_date=None, trigger="after training")
        CommitmentFactory(agenda_item=item, order=4).mark_kept(on=datetime.date(2024, 3, 1))


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body(response)
    assert response.status_code == 200, url
    return len(queries)


def test_every_report_runs_a_constant_number_of_queries(staff_client):
    topic = TopicFactory()
    add_record(2, topic)
    few = {url: count_queries(staff_client, url) for url in report_urls(topic.pk)}
    add_record(15, topic)
    many = {url: count_queries(staff_client, url) for url in report_urls(topic.pk)}
    assert many == few


def test_report_query_counts_hold_on_generated_data(staff_client):
    """The same on generate_data's record (several units per session, every state)."""
    from members.synthetic import generate

    generate(20, seed=3, today=TODAY, updates=0)
    topic = Commitment.objects.order_by("pk").first().agenda_item.topic
    add_record(1, topic)  # so that even the smaller record has a row in every report
    few = {url: count_queries(staff_client, url) for url in report_urls(topic.pk)}
    generate(120, seed=4, today=TODAY, updates=0)
    many = {url: count_queries(staff_client, url) for url in report_urls(topic.pk)}
    assert many == few


def test_printable_view_stops_at_its_limit_and_says_so(staff_client, monkeypatch):
    monkeypatch.setattr("sessions.reports.views.PRINT_LIMIT", 3)
    for n in range(5):
        CommitmentFactory(description=f"Promise {n}", due_date=TODAY + datetime.timedelta(days=n))
    html = body(staff_client.get(reverse("reports:commitments_print", args=["open"])))
    assert "5 commitments." in html and "Only the first 3 are printed here" in html
    assert "Promise 2" in html and "Promise 3" not in html


def test_report_counts_of_the_whole_record_follow_every_change(staff_client):
    def counted(slug: str) -> int:
        return (
            staff_client.get(reverse("reports:commitments", args=[slug]))
            .context["page"]
            .paginator.count
        )

    def on_index() -> dict[str, int]:
        response = staff_client.get(reverse("reports:index"))
        return {report.slug: count for report, count in response.context["reports"]}

    late = CommitmentFactory(due_date=datetime.date(2024, 5, 1))  # overdue
    waiting = CommitmentFactory(
        agenda_item=AgendaItemFactory(session=SessionFactory(date=datetime.date(2024, 5, 20))),
        due_date=None,
        trigger="after training",
    )
    assert (counted("overdue"), counted("waiting-long")) == (1, 0)
    assert counted("overdue") == 1  # kept, and the same
    late.mark_kept(on=TODAY)
    assert counted("overdue") == 0
    Session.objects.filter(pk=waiting.agenda_item.session_id).update(date=datetime.date(2024, 1, 1))
    assert counted("waiting-long") == 1
    assert on_index() == {
        "open": 1,
        "overdue": 0,
        "due-soon": 0,
        "awaiting-trigger": 1,
        "waiting-long": 1,
        "undated": 0,
    }
    Commitment.objects.filter(pk=waiting.pk).update(trigger="", due_date=None)
    assert on_index()["undated"] == 1 and counted("undated") == 1
    assert on_index()["waiting-long"] == 0


def test_open_report_lists_dated_commitments_first_and_triggers_last(staff_client):
    CommitmentFactory(description="Awaiting training", due_date=None, trigger="after training")
    CommitmentFactory(description="Due in July", due_date=datetime.date(2024, 7, 1))
    CommitmentFactory(description="Due in June", due_date=datetime.date(2024, 6, 5))
    page = body(staff_client.get(reverse("reports:commitments", args=["open"])))
    positions = [page.index(t) for t in ["Due in June", "Due in July", "Awaiting training"]]
    assert positions == sorted(positions)


def test_staff_land_on_an_admin_front_page_that_says_what_needs_doing(
    staff_client, client, roles, django_assert_max_num_queries
):
    CommitmentFactory(due_date=datetime.date(2020, 1, 1))  # overdue
    CommitmentFactory(due_date=None, trigger="")  # no date given
    with django_assert_max_num_queries(12):
        page = body(staff_client.get(reverse("admin:index")))
    assert "Follow-up: what needs doing" in page
    assert reverse("reports:commitments", args=["overdue"]) in page
    assert re.search(r"Overdue commitments</a></th>\s*<td>1</td>", page)
    assert re.search(r"No date given</a></th>\s*<td>1</td>", page)
    agent = user_with_role(roles, Role.BUSINESS_AGENT, is_staff=True, username="agent")
    client.force_login(agent)
    # An agent of no unit: the desk is there, and counts nothing of other units.
    page = body(client.get(reverse("admin:index")))
    assert re.search(r"Overdue commitments</a></th>\s*<td>0</td>", page)
    comms = user_with_role(roles, Role.COMMUNICATIONS, is_staff=True, username="comms")
    client.force_login(comms)
    assert "what needs doing" not in body(client.get(reverse("admin:index")))


def test_an_agent_runs_the_reports_of_their_own_units_only(client, roles):
    mine, theirs = BargainingUnitFactory(code="008"), BargainingUnitFactory(code="005")
    agent = user_with_role(roles, Role.BUSINESS_AGENT, is_staff=True, username="agent")
    mine.agents.add(agent)
    topic = TopicFactory(name="CARES testing")

    def overdue(unit, description):
        item = AgendaItemFactory(session=SessionFactory(units=[unit]), topic=topic)
        return CommitmentFactory(
            agenda_item=item, description=description, due_date=datetime.date(2020, 1, 1)
        )

    overdue(mine, "Ours to chase")
    overdue(theirs, "Not ours to see")
    joint = AgendaItemFactory(session=SessionFactory(units=[mine, theirs]), topic=topic)
    CommitmentFactory(
        agenda_item=joint, description="Joint one", due_date=datetime.date(2020, 1, 1)
    )
    client.force_login(agent)
    for url in report_urls(topic.pk):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        assert "Not ours to see" not in text, url
    overdue_page = body(client.get(reverse("reports:commitments", args=["overdue"])))
    assert "Ours to chase" in overdue_page and "Joint one" in overdue_page
    assert "2 commitments." in overdue_page
    index = body(client.get(reverse("reports:index")))
    assert re.search(r"Overdue commitments</a></td>\s*<td>2</td>", index)
    # The scorecard shows their unit's rows only, though the joint session also counts for 005.
    scorecard = body(client.get(reverse("reports:scorecard")))
    assert "008" in scorecard and "005" not in scorecard
    # The unit filter offers their units only.
    form = client.get(reverse("reports:commitments", args=["overdue"])).context["form"]
    assert list(form.fields["unit"].queryset) == [mine]
    # Asking for the other unit's rows is "not a valid choice", never its data.
    refused = body(
        client.get(reverse("reports:commitments", args=["overdue"]), {"unit": theirs.pk})
    )
    assert "Not ours to see" not in refused


def test_the_desk_counts_equal_the_reports_rows_on_generated_data(staff_client):
    from members.synthetic import generate

    generate(80, seed=5, today=TODAY, updates=0)
    page = body(staff_client.get(reverse("admin:index")))
    rows = {}
    for slug, report in REPORTS.items():
        listed = staff_client.get(reverse("reports:commitments", args=[slug]))
        rows[slug] = listed.context["page"].paginator.count
        if slug != "open":  # the desk shows what needs action, not every open commitment
            assert re.search(rf"{re.escape(report.title)}</a></th>\s*<td>{rows[slug]}</td>", page)
    assert rows["overdue"] and rows["waiting-long"], rows  # not a comparison of zeros


def test_commitments_waiting_long_for_their_trigger_are_listed_to_chase(staff_client):
    def awaiting(days_ago: int, description: str):
        session = SessionFactory(date=TODAY - datetime.timedelta(days=days_ago))
        return CommitmentFactory(
            agenda_item=AgendaItemFactory(session=session),
            description=description,
            due_date=None,
            trigger="after training",
        )

    awaiting(90, "Waiting since March")
    awaiting(10, "Waiting ten days")
    page = body(staff_client.get(reverse("reports:commitments", args=["waiting-long"])))
    assert "Waiting since March" in page and "Waiting ten days" not in page
    desk = body(staff_client.get(reverse("admin:index")))
    assert re.search(r"Awaiting a trigger for over 30 days</a></th>\s*<td>1</td>", desk)
