"""The personal iCalendar feed behind a secret, resettable token."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from sessions.models import CalendarToken, Session, hash_calendar_token
from tests.factories import (
    AgendaItemFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    SessionFactory,
    UserFactory,
)
from upe_confer.roles import Role

pytestmark = pytest.mark.django_db

NOON_JUNE_1 = datetime.datetime(2024, 6, 1, 19, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(NOON_JUNE_1, tick=False):
        yield


@pytest.fixture
def agent(roles):
    user = UserFactory(username="agent", email="agent@upe.example")
    user.groups.add(roles[Role.BUSINESS_AGENT])
    return user


def feed_url(user) -> str:
    """A new link for the user (the one before stops working)."""
    return reverse("calendar:feed", args=[CalendarToken.issue(user)])


def scene(agent):
    unit = BargainingUnitFactory(code="008")
    unit.agents.add(agent)
    timed = SessionFactory(
        date=datetime.date(2024, 6, 12),
        status=Session.Status.SCHEDULED,
        units=[unit],
    )
    Session.objects.filter(pk=timed.pk).update(
        start_time=datetime.time(10, 0), location="County Administration Center; Room 1, 2nd"
    )
    all_day = SessionFactory(
        date=datetime.date(2024, 6, 20), status=Session.Status.SCHEDULED, units=[unit]
    )
    SessionFactory(date=datetime.date(2024, 6, 25), status=Session.Status.SCHEDULED)  # not his
    SessionFactory(date=datetime.date(2024, 5, 1), status=Session.Status.HELD, units=[unit])
    item = AgendaItemFactory(session=timed)
    mine = CommitmentFactory(
        agenda_item=item,
        owner=agent,
        description="Send the volunteer list",
        due_date=datetime.date(2024, 6, 15),
    )
    CommitmentFactory(
        agenda_item=item, owner=agent, due_date=None, trigger="after training"
    )  # no date yet
    CommitmentFactory(agenda_item=item, due_date=datetime.date(2024, 6, 15))  # someone else's
    # His, on a session of a unit he does not work for: the pages would not show it to him.
    CommitmentFactory(owner=agent, due_date=datetime.date(2024, 6, 16))
    return timed, all_day, mine


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_feed_parses_back_with_sessions_and_due_dates(client, agent):
    timed, all_day, mine = scene(agent)
    calendar = parse(client.get(feed_url(agent)))
    assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        f"session-{timed.pk}@upe-confer",
        f"session-{all_day.pk}@upe-confer",
        f"commitment-{mine.pk}@upe-confer",
    }
    timed_event = events[f"session-{timed.pk}@upe-confer"]
    start = timed_event.decoded("DTSTART")
    assert start == datetime.datetime(2024, 6, 12, 10, 0, tzinfo=start.tzinfo)
    assert start.utcoffset() == datetime.timedelta(hours=-7)  # Pacific daylight time
    assert str(timed_event["LOCATION"]) == "County Administration Center; Room 1, 2nd"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "America/Los_Angeles"
    assert events[f"session-{all_day.pk}@upe-confer"].decoded("DTSTART") == datetime.date(
        2024, 6, 20
    )
    due = events[f"commitment-{mine.pk}@upe-confer"]
    assert due.decoded("DTSTART") == datetime.date(2024, 6, 15)
    assert "Send the volunteer list" in str(due["SUMMARY"])
    for event in events.values():
        assert "DTSTAMP" in event


def test_uids_are_stable_between_fetches(client, agent):
    scene(agent)
    first = [str(e["UID"]) for e in parse(client.get(feed_url(agent))).walk("VEVENT")]
    second = [str(e["UID"]) for e in parse(client.get(feed_url(agent))).walk("VEVENT")]
    assert first == second


def test_output_follows_rfc_5545_line_rules(client, agent):
    scene(agent)
    raw = client.get(feed_url(agent)).content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_staff_see_every_scheduled_session(client, roles):
    staff = UserFactory(username="staffer")
    staff.groups.add(roles[Role.STAFF])
    SessionFactory(date=datetime.date(2024, 6, 25), status=Session.Status.SCHEDULED)
    assert len(parse(client.get(feed_url(staff))).walk("VEVENT")) == 1


def test_a_wrong_token_is_refused(client, agent):
    scene(agent)
    CalendarToken.issue(agent)
    assert client.get(reverse("calendar:feed", args=["not-the-token"])).status_code == 404


def new_link_from_the_page(client) -> str:
    response = client.post(reverse("calendar:reset"))
    assert response.status_code == 200
    assert "shown only this once" in response.text
    assert "no-store" in response["Cache-Control"]
    return response.context["feed_url"].removeprefix("http://testserver")


def test_the_link_is_shown_once_when_made_and_works(client, agent):
    scene(agent)
    client.force_login(agent)
    assert "You have no calendar link yet" in client.get(reverse("calendar:settings")).text
    url = new_link_from_the_page(client)

    page = client.get(reverse("calendar:settings"))
    assert url not in page.text
    assert "You made a calendar link on June 1, 2024" in page.text
    assert "Make a new calendar link" in page.text
    client.logout()
    assert len(parse(client.get(url)).walk("VEVENT")) == 3


def test_only_the_tokens_hash_is_stored(client, agent):
    client.force_login(agent)
    url = new_link_from_the_page(client)
    token = url.rsplit("/", 1)[-1].removesuffix(".ics")
    stored = CalendarToken.objects.get(user=agent)
    assert stored.token_hash == hash_calendar_token(token)
    assert token not in str(CalendarToken.objects.values().get())


def test_a_reset_token_is_refused_and_the_new_one_works(client, agent):
    old = feed_url(agent)
    client.force_login(agent)
    assert client.get(reverse("calendar:reset")).status_code == 405
    assert "the old one no longer works" in client.post(reverse("calendar:reset")).text
    new = new_link_from_the_page(client)
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_an_agent_removed_from_the_role_loses_the_sessions_from_an_existing_link(
    client, agent, roles
):
    scene(agent)
    url = feed_url(agent)
    assert len(parse(client.get(url)).walk("VEVENT")) == 3

    agent.groups.remove(roles[Role.BUSINESS_AGENT])  # still assigned to unit 008

    events = parse(client.get(url)).walk("VEVENT")
    assert events == []
    assert b"County Administration Center" not in client.get(url).content


def test_staff_removed_from_the_role_see_only_what_their_role_now_allows(client, roles):
    staffer = UserFactory(username="staffer")
    staffer.groups.add(roles[Role.STAFF])
    SessionFactory(date=datetime.date(2024, 6, 25), status=Session.Status.SCHEDULED)
    url = feed_url(staffer)
    assert len(parse(client.get(url)).walk("VEVENT")) == 1
    staffer.groups.set([roles[Role.MEMBER]])
    assert parse(client.get(url)).walk("VEVENT") == []


def test_an_inactive_users_feed_is_refused(client, agent):
    url = feed_url(agent)
    agent.is_active = False
    agent.save()
    assert client.get(url).status_code == 404


def test_the_calendar_page_needs_a_login(client):
    response = client.get(reverse("calendar:settings"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(reverse("calendar:reset")).status_code == 302
    assert not CalendarToken.objects.exists()


def test_a_reader_of_every_unit_sees_the_sessions_they_attend_as_staff(client, roles):
    reader = UserFactory(username="comms")
    reader.groups.add(roles[Role.COMMUNICATIONS])
    session = SessionFactory(date=datetime.date(2024, 6, 25), status=Session.Status.SCHEDULED)
    session.upe_staff.add(reader)
    SessionFactory(date=datetime.date(2024, 6, 26), status=Session.Status.SCHEDULED)  # not there
    events = parse(client.get(feed_url(reader))).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"session-{session.pk}@upe-confer"]


def test_an_agent_at_another_units_session_does_not_get_it(client, agent):
    session = SessionFactory(date=datetime.date(2024, 6, 25), status=Session.Status.SCHEDULED)
    session.upe_staff.add(agent)
    assert parse(client.get(feed_url(agent))).walk("VEVENT") == []


def test_feed_runs_a_constant_number_of_queries(client, agent, django_assert_max_num_queries):
    scene(agent)
    url = feed_url(agent)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    unit = agent.assigned_units.get()
    for day in range(10):
        SessionFactory(
            date=datetime.date(2024, 7, 1) + datetime.timedelta(days=day),
            status=Session.Status.SCHEDULED,
            units=[unit],
        )
        CommitmentFactory(
            agenda_item=AgendaItemFactory(session=SessionFactory(units=[unit])),
            owner=agent,
            due_date=datetime.date(2024, 7, 1),
        )
    with django_assert_max_num_queries(len(few)):
        assert len(parse(client.get(url)).walk("VEVENT")) == 3 + 20


def test_the_calendar_page_is_linked_from_the_nav_for_those_who_read_sessions(client, roles):
    from django.urls import reverse

    from tests.factories import UserFactory

    reader = UserFactory(username="reader")
    reader.groups.add(roles[Role.COMMUNICATIONS])
    client.force_login(reader)
    assert reverse("calendar:settings") in client.get(reverse("members:update_list")).text

    member = UserFactory(username="member")
    member.groups.add(roles[Role.MEMBER])
    client.force_login(member)
    assert reverse("calendar:settings") not in client.get(reverse("members:update_list")).text
