"""The read-only API: every endpoint × every role, the same scoping as the pages, internal fields
only to those who read the record, cursor pages, constant queries, and the per-token limit."""

import datetime

import pytest
from django.urls import reverse

from members.models import Update
from sessions.models import Commitment
from tests.factories import (
    AdvocateFactory,
    AgendaItemFactory,
    AttendanceFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
    UpdateFactory,
)

pytestmark = pytest.mark.django_db

INTERNAL = "INTERNAL-MARKER"
TODAY = datetime.date(2024, 6, 1)


def api_url(name: str, *args) -> str:
    return reverse(f"api-v1:{name}", args=args)


def a_session(unit, topic, title: str):
    session = SessionFactory(
        units=[unit],
        date=datetime.date(2024, 3, 1),
        summary=f"Summary of {title}",
        internal_notes=f"{INTERNAL} session",
        location=f"{INTERNAL} location",
        county_attendees=f"{INTERNAL} attendee",
    )
    item = AgendaItemFactory(
        session=session, topic=topic, order=1, title=title, internal_notes=f"{INTERNAL} item"
    )
    PositionFactory(agenda_item=item, order=1, party="county", kind="proposal", statement="First")
    PositionFactory(agenda_item=item, order=2, party="upe", kind="counter", statement="Second")
    CommitmentFactory(
        agenda_item=item,
        order=1,
        party="county",
        description=f"Promise of {title}",
        due_date=datetime.date(2024, 5, 1),
        trigger_note="",
        resolution_note="",
    )
    AttendanceFactory(
        session=session, advocate=AdvocateFactory(name=f"Advocate {title}", unit=unit)
    )
    return session


@pytest.fixture
def record(unit_005, unit_008):
    topic = TopicFactory(name="CARES testing", slug="cares-testing")
    topic.units.set([unit_005, unit_008])
    return {
        "005": a_session(unit_005, topic, "Item 005"),
        "008": a_session(unit_008, topic, "Item 008"),
        "public": UpdateFactory(units=[unit_008], slug="public-news", title="Public news"),
        "members": UpdateFactory(
            units=[unit_008], slug="members-news", title="Members news", visibility="members"
        ),
        "draft": UpdateFactory(
            units=[unit_008], slug="draft-news", title="Draft news", status="draft"
        ),
    }


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Every endpoint × every role -------------------------------------------------------------

LISTS = ["units", "topics", "sessions"]


@pytest.mark.parametrize(
    "name",
    [
        "units",
        "topics",
        "sessions",
        "commitments",
        "updates",
    ],
)
def test_anonymous_and_wrong_tokens_are_refused_everywhere(api_as, record, name):
    from tests.api.conftest import ApiClient

    assert api_as("anonymous").get(api_url(name)).status_code == 401
    assert ApiClient("not-a-token").get(api_url(name)).status_code == 401
    session_url = api_url("session", record["008"].pk)
    assert api_as("anonymous").get(session_url).status_code == 401


def test_a_revoked_token_or_an_inactive_user_opens_nothing(api_as, users, record):
    client = api_as("staff")
    assert client.get(api_url("units")).status_code == 200
    users["staff"].api_tokens.all().delete()
    assert client.get(api_url("units")).status_code == 401
    client = api_as("agent_008")
    users["agent_008"].is_active = False
    users["agent_008"].save()
    assert client.get(api_url("units")).status_code == 401


@pytest.mark.parametrize("role", ["member", "communications", "agent_005", "agent_008", "staff"])
def test_units_and_topics_are_read_by_every_role(api_as, record, role):
    client = api_as(role)
    assert [unit["code"] for unit in results(client.get(api_url("units")))] == [
        "008",
        "005",
    ]
    topics = results(client.get(api_url("topics"), {"unit": "005"}))
    assert [(topic["slug"], topic["units"]) for topic in topics] == [
        ("cares-testing", ["005", "008"])
    ]


SESSIONS_SEEN = {
    "member": None,  # 403: members read updates, not the record
    "communications": ["008", "005"],
    "agent_005": ["005"],
    "agent_008": ["008"],
    "staff": ["008", "005"],
}


@pytest.mark.parametrize("role", SESSIONS_SEEN)
def test_sessions_are_scoped_as_on_the_pages(api_as, record, role):
    client = api_as(role)
    response = client.get(api_url("sessions"))
    detail = client.get(api_url("session", record["008"].pk))
    if SESSIONS_SEEN[role] is None:
        assert response.status_code == 403
        assert detail.status_code == 403
        return
    assert [session["units"][0] for session in results(response)] == SESSIONS_SEEN[role]
    assert detail.status_code == (200 if "008" in SESSIONS_SEEN[role] else 404)


COMMITMENTS_SEEN = {
    "member": None,
    "communications": None,  # the follow-up reports are not theirs either
    "agent_005": ["Promise of Item 005"],
    "agent_008": ["Promise of Item 008"],
    "staff": ["Promise of Item 008", "Promise of Item 005"],
}


@pytest.mark.parametrize("role", COMMITMENTS_SEEN)
def test_commitments_are_scoped_as_in_the_reports(api_as, record, role):
    response = api_as(role).get(api_url("commitments"))
    if COMMITMENTS_SEEN[role] is None:
        assert response.status_code == 403
        return
    assert [row["description"] for row in results(response)] == COMMITMENTS_SEEN[role]


UPDATES_SEEN = {
    "member": ["Members news", "Public news"],
    "communications": ["Members news", "Public news"],
    "agent_005": ["Public news"],  # no member account: public updates only, as on the pages
    "agent_008": ["Public news"],
    "staff": ["Members news", "Public news"],
}


@pytest.mark.parametrize("role", UPDATES_SEEN)
def test_updates_are_what_the_members_pages_show_never_a_draft(api_as, record, role):
    rows = results(api_as(role).get(api_url("updates")))
    assert [row["title"] for row in rows] == UPDATES_SEEN[role]


def test_a_scheduled_update_appears_once_its_time_has_come(api_as, record):
    UpdateFactory(
        slug="later",
        title="Later",
        status=Update.Status.SCHEDULED,
        publish_at=datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC),
    )
    titles = [row["title"] for row in results(api_as("staff").get(api_url("updates")))]
    assert "Later" not in titles


# --- What a session says, and what stays internal ----------------------------------------------


def test_a_session_carries_its_items_positions_commitments_and_advocates_in_order(api_as, record):
    session = api_as("agent_008").get(api_url("session", record["008"].pk)).json()
    assert session["units"] == ["008"]
    assert session["advocates"] == [{"name": "Advocate Item 008", "unit": "008"}]
    (item,) = session["agenda_items"]
    assert item["topic"] == "cares-testing"
    assert [(p["party"], p["kind"], p["statement"]) for p in item["positions"]] == [
        ("county", "proposal", "First"),
        ("upe", "counter", "Second"),
    ]
    assert [c["description"] for c in item["commitments"]] == ["Promise of Item 008"]
    assert item["commitments"][0]["when_due"] == "by May 1, 2024"
    # Agents read internal notes of their sessions on their pages and in the admin.
    assert item["internal_notes"] == f"{INTERNAL} item"
    assert session["internal_notes"] == f"{INTERNAL} session"


def test_a_member_reads_no_internal_field_anywhere(api_as, record):
    client = api_as("member")
    for name in ["units", "topics", "sessions", "commitments", "updates"]:
        assert INTERNAL not in client.get(api_url(name)).content.decode()


def test_an_agent_reads_no_internal_field_of_another_units_session(api_as, record):
    client = api_as("agent_005")
    for name in ["sessions", "commitments"]:
        body = client.get(api_url(name)).content.decode()
        assert "Item 008" not in body
    body = client.get(api_url("session", record["008"].pk)).content.decode()
    assert INTERNAL not in body


# --- The reports' filters -------------------------------------------------------------------


@pytest.fixture
def commitments(record, time_machine):
    time_machine.move_to(datetime.datetime(2024, 6, 1, 12, tzinfo=datetime.UTC))
    item = record["008"].agenda_items.get()
    make = lambda order, **kwargs: CommitmentFactory(  # noqa: E731
        agenda_item=item, order=order, trigger_note="", resolution_note="", **kwargs
    )
    return {
        "soon": make(2, party="upe", description="soon", due_date=TODAY + datetime.timedelta(5)),
        "later": make(3, party="upe", description="later", due_date=TODAY + datetime.timedelta(60)),
        "waiting": make(
            4, party="county", description="waiting", due_date=None, trigger="after training"
        ),
        "kept": make(
            5,
            party="county",
            description="kept",
            due_date=TODAY,
            status=Commitment.Status.KEPT,
            resolved_on=TODAY,
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"overdue": "true"}, ["Promise of Item 008", "Promise of Item 005"]),
        ({"due_within": "30"}, ["soon"]),
        ({"awaiting_trigger": "true"}, ["waiting"]),
        ({"open": "true", "party": "upe"}, ["later", "soon"]),
        ({"status": "kept"}, ["kept"]),
        ({"unit": "005"}, ["Promise of Item 005"]),
        ({"unit": "999"}, []),
        (
            {"topic": "cares-testing", "party": "county", "open": "true", "unit": "008"},
            ["waiting", "Promise of Item 008"],
        ),
    ],
)
def test_commitment_filters_are_the_reports_rules(api_as, commitments, query, expected):
    rows = results(api_as("staff").get(api_url("commitments"), query))
    assert [row["description"] for row in rows] == expected


def test_an_agent_filtering_by_another_unit_gets_nothing(api_as, commitments):
    rows = results(api_as("agent_008").get(api_url("commitments"), {"unit": "005"}))
    assert rows == []


def test_commitment_rows_say_where_they_were_made_and_their_state(api_as, commitments):
    rows = results(api_as("staff").get(api_url("commitments"), {"overdue": "true"}))
    row = rows[0]
    assert row["units"] == ["008"]
    assert row["topic"] == "cares-testing"
    assert row["agenda_item_title"] == "Item 008"
    assert row["session_date"] == "2024-03-01"
    assert row["is_overdue"] is True
    assert row["is_awaiting_trigger"] is False


@pytest.mark.parametrize(
    "query",
    [
        {"due_within": "-1"},
        {"due_within": "99999999999"},
        {"party": "nobody"},
        {"open": "maybe"},
        {"page_size": "x"},
    ],
)
def test_bad_filters_are_refused_not_a_server_error(api_as, record, query):
    assert api_as("staff").get(api_url("commitments"), query).status_code == 422


@pytest.mark.parametrize(
    "query", [{"date_from": "2024-13-01"}, {"date_to": "yesterday"}, {"status": "postponed"}]
)
def test_bad_session_dates_are_refused(api_as, record, query):
    assert api_as("staff").get(api_url("sessions"), query).status_code == 422


# --- Cursor pages ---------------------------------------------------------------------------


def test_cursor_pages_walk_every_row_once_in_a_stable_order(api_as, record, unit_008):
    more = [SessionFactory(units=[unit_008]) for _ in range(5)]
    expected = sorted([s.pk for s in more] + [record["005"].pk, record["008"].pk], reverse=True)
    client = api_as("staff")
    seen, url, query = [], api_url("sessions"), {"page_size": "3"}
    while url:
        page = client.get(url, query).json()
        seen += [session["id"] for session in page["results"]]
        # Rows added while a client walks the pages neither repeat nor shift what follows.
        SessionFactory(units=[unit_008])
        url, query = page["next"], None
    assert seen == expected


@pytest.mark.parametrize("cursor", ["garbage!", "cD1hYmM=", "bz0tMQ==", "é"])
def test_a_forged_cursor_is_refused(api_as, record, cursor):
    response = api_as("staff").get(api_url("sessions"), {"cursor": cursor})
    assert response.status_code in (400, 422)


def test_page_sizes_are_bounded(api_as, record, settings):
    settings.API_MAX_PAGE_SIZE = 1  # read when the paginator is made: here, the default applies
    client = api_as("staff")
    assert len(results(client.get(api_url("units"), {"page_size": "0"}))) == 1
    assert len(results(client.get(api_url("units"), {"page_size": "1"}))) == 1


# --- Queries: a constant number whatever the page holds --------------------------------------


def grow(record, unit_005, unit_008, copies: int) -> None:
    topic = record["005"].agenda_items.get().topic
    for index in range(copies):
        a_session(unit_008 if index % 2 else unit_005, topic, f"More {copies}-{index}")
        UpdateFactory(units=[unit_005, unit_008], topics=[topic])


@pytest.mark.parametrize("name", ["units", "topics", "sessions", "commitments", "updates"])
def test_queries_do_not_grow_with_the_page(
    api_as, record, unit_005, unit_008, django_assert_max_num_queries, name
):
    client = api_as("agent_008") if name in ("sessions", "commitments") else api_as("member")
    url = api_url(name)
    counts = []
    for copies in (1, 12):
        grow(record, unit_005, unit_008, copies)
        with django_assert_max_num_queries(12) as captured:
            rows = results(client.get(url, {"page_size": "100"}))
        counts.append(len(captured.captured_queries))
        assert rows
    assert counts[0] == counts[1]


def test_a_session_page_is_a_fixed_number_of_queries(
    api_as, record, unit_005, unit_008, django_assert_max_num_queries
):
    client = api_as("staff")
    with django_assert_max_num_queries(12):
        client.get(api_url("session", record["008"].pk))


# --- Per-token rate limit --------------------------------------------------------------------


def test_a_token_over_its_rate_gets_429_with_retry_after_others_do_not(api_as, record, settings):
    settings.API_RATE_LIMIT = "3/min"
    busy, other = api_as("staff"), api_as("staff")
    url = api_url("units")
    assert [busy.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = busy.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert other.get(url).status_code == 200


# --- Documentation --------------------------------------------------------------------------


def test_the_schema_and_interactive_docs_are_served(client):
    schema = client.get(api_url("openapi-json"))
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert set(paths) == {
        "/api/v1/units",
        "/api/v1/topics",
        "/api/v1/sessions",
        "/api/v1/sessions/{session_id}",
        "/api/v1/commitments",
        "/api/v1/updates",
    }
    assert all(list(operation) == ["get"] for operation in paths.values())  # read-only
    docs = client.get(api_url("openapi-view"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_writes_are_not_allowed(api_as, record):
    response = api_as("staff").client.post(api_url("units"), headers=api_as("staff").headers)
    assert response.status_code == 405


def test_a_nul_character_is_refused_in_json(api_as, record):
    response = api_as("staff").get(api_url("units"), {"cursor": "\x00"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("session_id", ["99999999999999999999999", "-1", "abc"])
def test_an_impossible_session_id_is_not_a_server_error(api_as, record, session_id):
    response = api_as("staff").get(f"/api/v1/sessions/{session_id}")
    assert response.status_code in (404, 422)


def test_answers_are_never_kept_by_a_cache(api_as, record):
    response = api_as("agent_008").get(api_url("sessions"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_sessions_filter_by_unit_topic_status_and_dates(api_as, record, unit_008):
    SessionFactory(units=[unit_008], date=datetime.date(2025, 1, 1), status="scheduled")
    client = api_as("staff")

    def ids(query):
        return [s["id"] for s in results(client.get(api_url("sessions"), query))]

    assert ids({"unit": "005"}) == [record["005"].pk]
    assert ids({"topic": "cares-testing"}) == [record["008"].pk, record["005"].pk]
    assert len(ids({"status": "scheduled"})) == 1
    assert ids({"date_from": "2024-01-01", "date_to": "2024-12-31"}) == [
        record["008"].pk,
        record["005"].pk,
    ]
