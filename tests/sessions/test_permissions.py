"""Who may do what: every role × every page and action of the flow and of the admin, on a
session of unit 008. Out of scope is 404 (or 403 for a role that may not do it at all), never a
500, and a refused request changes nothing."""

import pytest
from django.db import transaction
from django.urls import reverse

from sessions.models import Document, Session
from tests.factories import (
    AdvocateFactory,
    AgendaItemFactory,
    AttendanceFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    UpdateFactory,
    attach,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "communications", "agent_005", "agent_008", "staff"]
LOGIN = "login"  # a redirect to a sign-in page


@pytest.fixture
def record(unit_008):
    """An 008-only session with something of every kind hanging off it."""
    session = SessionFactory(units=[unit_008], summary="Original", status="scheduled")
    item = AgendaItemFactory(session=session, order=1, title="Original item")
    return {
        "session": session,
        "item": item,
        "position": PositionFactory(agenda_item=item, order=1),
        "commitment": CommitmentFactory(agenda_item=item, order=1),
        "attendance": AttendanceFactory(session=session, advocate=AdvocateFactory(unit=unit_008)),
        "document": attach(session, title="County proposal", shared_with_members=True),
        "update": UpdateFactory(session=session, slug="the-update"),
    }


def document_url(name: str):
    return lambda r: url(name, r["document"])


def flow_post(record, unit_008) -> dict:
    session = record["session"]
    return {
        "date": "2024-03-01",
        "units": [str(unit_008.pk)],
        "summary": "Changed",
        "version": str(session.version),
        "advocates-TOTAL_FORMS": "0",
        "advocates-INITIAL_FORMS": "0",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }


def admin_session_post(record, unit_008) -> dict:
    session = record["session"]
    return {
        "date": "2024-03-01",
        "units": [str(unit_008.pk)],
        "status": "held",
        "summary": "Changed",
        "read_version": str(session.version),
        "agenda_items-TOTAL_FORMS": "0",
        "agenda_items-INITIAL_FORMS": "0",
        "attendances-TOTAL_FORMS": "0",
        "attendances-INITIAL_FORMS": "0",
    }


def url(name: str, obj=None) -> str:
    return reverse(name, args=[obj.pk] if obj is not None else [])


# action: (method, url from the record, data from the record and unit, expected by role)
ACTIONS = {
    "flow home": (
        "get",
        lambda r: url("sessions:agent_home"),
        None,
        [LOGIN, 403, 403, 200, 200, 200],
    ),
    "flow new page": (
        "get",
        lambda r: url("sessions:session_new"),
        None,
        [LOGIN, 403, 403, 200, 200, 200],
    ),
    # agent_005 gets the page back with "not a valid choice" for unit 008: nothing saved.
    "flow new save": (
        "post",
        lambda r: url("sessions:session_new"),
        flow_post,
        [LOGIN, 403, 403, 200, 302, 302],
    ),
    "flow summary": (
        "get",
        lambda r: url("sessions:session_detail", r["session"]),
        None,
        [LOGIN, 404, 200, 404, 200, 200],
    ),
    "flow edit page": (
        "get",
        lambda r: url("sessions:session_edit", r["session"]),
        None,
        [LOGIN, 403, 403, 404, 200, 200],
    ),
    "flow edit save": (
        "post",
        lambda r: url("sessions:session_edit", r["session"]),
        flow_post,
        [LOGIN, 403, 403, 404, 302, 302],
    ),
    "flow mark held": (
        "post",
        lambda r: url("sessions:session_mark_held", r["session"]),
        lambda r, u: {"version": str(r["session"].version)},
        [LOGIN, 403, 403, 404, 302, 302],
    ),
    "flow cancel": (
        "post",
        lambda r: url("sessions:session_cancel", r["session"]),
        lambda r, u: {"version": str(r["session"].version)},
        [LOGIN, 403, 403, 404, 302, 302],
    ),
    "document download": (
        "get",
        document_url("sessions:document_download"),
        None,
        [LOGIN, 404, 200, 404, 200, 200],
    ),
    "document attach": (
        "post",
        lambda r: url("sessions:session_attach", r["session"]),
        lambda r, u: {"files": [pdf_upload("new.pdf", "another paper")], "kind": "other"},
        [LOGIN, 403, 403, 404, 302, 302],
    ),
    "document delete": (
        "post",
        document_url("sessions:document_delete"),
        lambda r, u: {"confirm": "True"},
        [LOGIN, 403, 403, 404, 302, 302],
    ),
    # Shared with members and its update public: anyone, through the update.
    "document from its public update": (
        "get",
        lambda r: reverse("members:update_document", args=[r["update"].slug, r["document"].pk]),
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    "admin documents list": (
        "get",
        lambda r: url("admin:confer_document_changelist"),
        None,
        [LOGIN, LOGIN, 200, 200, 200, 200],
    ),
    "admin document page": (
        "get",
        document_url("admin:confer_document_change"),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    "admin document add page": (
        "get",
        lambda r: url("admin:confer_document_add"),
        None,
        [LOGIN, LOGIN, 403, 200, 200, 200],
    ),
    "admin document history": (
        "get",
        document_url("admin:confer_document_history"),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    # Deleting is soft (an action); the admin's own delete is refused to everyone.
    "admin document delete": (
        "post",
        document_url("admin:confer_document_delete"),
        lambda r, u: {"post": "yes"},
        [LOGIN, LOGIN, 403, 404, 403, 403],
    ),
    "admin documents filtered by the adder's password": (
        "get",
        lambda r: url("admin:confer_document_changelist") + "?added_by__password__startswith=md5",
        None,
        [LOGIN, LOGIN, 400, 400, 400, 400],
    ),
    "admin sessions list": (
        "get",
        lambda r: url("admin:confer_session_changelist"),
        None,
        [LOGIN, LOGIN, 200, 200, 200, 200],
    ),
    "admin session page": (
        "get",
        lambda r: url("admin:confer_session_change", r["session"]),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    "admin session save": (
        "post",
        lambda r: url("admin:confer_session_change", r["session"]),
        admin_session_post,
        [LOGIN, LOGIN, 403, 404, 302, 302],
    ),
    "admin session history": (
        "get",
        lambda r: url("admin:confer_session_history", r["session"]),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    "admin session delete page": (
        "get",
        lambda r: url("admin:confer_session_delete", r["session"]),
        None,
        [LOGIN, LOGIN, 403, 404, 403, 200],
    ),
    # Staff may delete sessions, but not one holding documents (they are evidence, PROTECT):
    # the admin says so (200) and nothing is deleted. test_protect.py deletes one without.
    "admin session delete": (
        "post",
        lambda r: url("admin:confer_session_delete", r["session"]),
        lambda r, u: {"post": "yes"},
        [LOGIN, LOGIN, 403, 404, 403, 200],
    ),
    "admin agenda item page": (
        "get",
        lambda r: url("admin:confer_agendaitem_change", r["item"]),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    "admin agenda item delete": (
        "post",
        lambda r: url("admin:confer_agendaitem_delete", r["item"]),
        lambda r, u: {"post": "yes"},
        [LOGIN, LOGIN, 403, 404, 302, 302],
    ),
    "admin position page": (
        "get",
        lambda r: url("admin:confer_position_change", r["position"]),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    "admin commitment page": (
        "get",
        lambda r: url("admin:confer_commitment_change", r["commitment"]),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    "admin commitment history": (
        "get",
        lambda r: url("admin:confer_commitment_history", r["commitment"]),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    "admin attendance page": (
        "get",
        lambda r: url("admin:confer_attendance_change", r["attendance"]),
        None,
        [LOGIN, LOGIN, 200, 404, 200, 200],
    ),
    # Filtered changelists: a lookup on a secret (a token's hash, a password hash, directly or
    # through a relation) is refused (400) for every role that can open the list at all.
    "admin calendar tokens filtered by the token": (
        "get",
        lambda r: url("admin:confer_calendartoken_changelist") + "?token_hash__startswith=a",
        None,
        [LOGIN, LOGIN, 400, 400, 400, 400],
    ),
    "admin calendar tokens filtered by a regex on the token": (
        "get",
        lambda r: url("admin:confer_calendartoken_changelist") + "?user=1&token_hash__regex=^a",
        None,
        [LOGIN, LOGIN, 400, 400, 400, 400],
    ),
    "admin sessions filtered by who logged them's password": (
        "get",
        lambda r: url("admin:confer_session_changelist") + "?logged_by__password__startswith=md5",
        None,
        [LOGIN, LOGIN, 400, 400, 400, 400],
    ),
    "admin commitments filtered by the owner's password": (
        "get",
        lambda r: url("admin:confer_commitment_changelist") + "?owner__password__regex=.",
        None,
        [LOGIN, LOGIN, 400, 400, 400, 400],
    ),
    "admin member accounts filtered by password": (
        "get",
        lambda r: url("admin:members_memberaccount_changelist") + "?password__startswith=md5",
        None,
        [LOGIN, LOGIN, 403, 403, 403, 400],
    ),
    "admin users filtered by password": (
        "get",
        lambda r: url("admin:auth_user_changelist") + "?password__startswith=md5",
        None,
        [LOGIN, LOGIN, 403, 403, 403, 403],
    ),
    # Issue 14: the logging page's autosave (JSON: 401 signed out) and the record search.
    "session autosave": (
        "post",
        lambda r: url("sessions:session_autosave", r["session"]),
        lambda r, u: {"summary": "Typed, not saved"},
        [401, 403, 403, 404, 200, 200],
    ),
    "record search": (
        "get",
        lambda r: url("sessions:record_search") + "?q=county",
        None,
        [LOGIN, 403, 200, 200, 200, 200],
    ),
    "session follow-up page": (
        "get",
        lambda r: url("sessions:session_follow_up", r["session"]),
        None,
        [LOGIN, 403, 403, 404, 302, 302],
    ),
    "admin sign-in lockouts": (
        "get",
        lambda r: url("admin:axes_accessattempt_changelist"),
        None,
        [LOGIN, LOGIN, 403, 403, 403, 200],
    ),
    # The API: every endpoint × role with tokens is in tests/api/test_views.py. A sign-in cookie
    # alone opens none of it (a page elsewhere cannot read the API as its visitor).
    "api sessions with a sign-in cookie only": (
        "get",
        lambda r: url("api-v1:sessions"),
        None,
        [401, 401, 401, 401, 401, 401],
    ),
    "api updates with a sign-in cookie only": (
        "get",
        lambda r: url("api-v1:updates"),
        None,
        [401, 401, 401, 401, 401, 401],
    ),
    "api docs": ("get", lambda r: url("api-v1:openapi-view"), None, [200] * 6),
    "account api token create": (
        "post",
        lambda r: url("members:api_token_create"),
        lambda r, u: {"name": "dashboard"},
        [LOGIN, 201, 201, 201, 201, 201],
    ),
}

MUTATING = {name for name, (method, *_rest) in ACTIONS.items() if method == "post"}


@pytest.fixture
def users(request, agent_005, agent_008, communications, staff, member):
    return {
        "anonymous": None,
        "member": member,
        "communications": communications,
        "agent_005": agent_005,
        "agent_008": agent_008,
        "staff": staff,
    }


def attempt(client, users, role, record, unit_008, action) -> str | None:
    """One role tries one action; what went wrong, or None."""
    method, make_url, make_data, expected_by_role = ACTIONS[action]
    expected = expected_by_role[ROLES.index(role)]
    client.logout()
    if users[role] is not None:
        client.force_login(users[role])
    session = record["session"]
    before = Session.objects.values("summary", "version", "status").get(pk=session.pk)
    sessions_before = Session.objects.count()
    documents_before = list(Document.objects.values_list("pk", "deleted_at"))

    data = make_data(record, unit_008) if make_data else None
    response = getattr(client, method)(make_url(record), data)

    status = response.status_code
    if expected == LOGIN:
        if status != 302 or "login" not in response["Location"]:
            return f"{role}: expected a redirect to sign in, got {status}"
    elif status != expected:
        return f"{role}: expected {expected}, got {status}"
    elif expected == 302 and "login" in response["Location"]:
        return f"{role}: sent to sign in"
    allowed = expected in (200, 302) and role in {"agent_008", "staff"}
    if method == "post" and not allowed:
        if Session.objects.values("summary", "version", "status").get(pk=session.pk) != before:
            return f"{role}: the session changed"
        if Session.objects.count() != sessions_before:
            return f"{role}: sessions were added or removed"
        if list(Document.objects.values_list("pk", "deleted_at")) != documents_before:
            return f"{role}: documents changed"
    return None


@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_matrix(client, users, record, unit_008, action):
    """Every role in turn, each from the same record: what one role changes is undone (a
    savepoint) before the next one tries."""
    failures = []
    for role in ROLES:
        with transaction.atomic():
            failures.append(attempt(client, users, role, record, unit_008, action))
            transaction.set_rollback(True)
    assert not any(failures), "\n".join(filter(None, failures))


def test_admin_lists_only_the_agents_own_units(client, users, record, unit_005):
    other = SessionFactory(units=[unit_005], summary="Unit 005 only")
    client.force_login(users["agent_005"])
    response = client.get(url("admin:confer_session_changelist"))
    shown = list(response.context["cl"].result_list)
    assert shown == [other]
    client.force_login(users["communications"])
    response = client.get(url("admin:confer_session_changelist"))
    assert set(response.context["cl"].result_list) == {other, record["session"]}


def test_agent_home_shows_only_their_units(client, users, record, unit_005):
    SessionFactory(units=[unit_005], summary="Unit 005 only", location="The 005 room")
    client.force_login(users["agent_008"])
    response = client.get(url("sessions:agent_home"))
    assert [s.pk for s in response.context["recent"]] == [record["session"].pk]
    assert [c.pk for c in response.context["commitments"]] == [record["commitment"].pk]
    assert "Log a session" in response.content.decode()


def test_admin_refuses_a_stale_session_save(client, users, record, unit_008):
    client.force_login(users["agent_008"])
    change = url("admin:confer_session_change", record["session"])
    data = admin_session_post(record, unit_008)
    Session.objects.filter(pk=record["session"].pk).update(version=7)  # someone saved since

    response = client.post(change, data)

    assert response.status_code == 200
    assert "Someone else" in response.content.decode()
    record["session"].refresh_from_db()
    assert record["session"].summary == "Original"
    assert record["session"].version == 7


def test_admin_save_moves_the_version_on(client, users, record, unit_008):
    client.force_login(users["agent_008"])
    change = url("admin:confer_session_change", record["session"])
    assert client.post(change, admin_session_post(record, unit_008)).status_code == 302
    record["session"].refresh_from_db()
    assert (record["session"].summary, record["session"].version) == ("Changed", 2)


def test_admin_refuses_attaching_an_agenda_item_to_another_units_session(
    client, users, record, unit_005
):
    theirs = SessionFactory(units=[unit_005])
    client.force_login(users["agent_008"])
    response = client.post(
        url("admin:confer_agendaitem_add"),
        {
            "session": theirs.pk,
            "topic": record["item"].topic_id,
            "order": 1,
            "title": "Forged",
            "positions-TOTAL_FORMS": "0",
            "positions-INITIAL_FORMS": "0",
            "commitments-TOTAL_FORMS": "0",
            "commitments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not theirs.agenda_items.exists()


def test_admin_add_session_offers_an_agent_only_their_units(client, users, unit_005, unit_008):
    BargainingUnitFactory(code="009")  # a unit with no session yet
    client.force_login(users["agent_008"])
    response = client.get(url("admin:confer_session_add"))
    assert list(response.context["adminform"].form.fields["units"].queryset) == [unit_008]


def test_staff_can_revert_a_session_from_its_history(client, users, record, unit_008):
    session = record["session"]
    first = session.history.earliest()
    session.summary = "Later"
    session.save()
    client.force_login(users["staff"])
    revert = reverse("admin:confer_session_simple_history", args=[session.pk, first.history_id])
    assert client.get(revert).status_code == 200
    data = admin_session_post(record, unit_008) | {"summary": "Original", "status": "scheduled"}
    response = client.post(revert, data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.summary, session.version) == ("Original", 2)


def test_an_agent_cannot_open_another_units_history_versions(client, users, record):
    session = record["session"]
    client.force_login(users["agent_005"])
    revert = reverse(
        "admin:confer_session_simple_history",
        args=[session.pk, session.history.earliest().history_id],
    )
    assert client.get(revert).status_code == 404
