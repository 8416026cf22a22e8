"""Following up in the admin: bulk kept/broken, recording a trigger, the session follow-up page."""

import datetime

import pytest
import time_machine
from django.contrib.admin import helpers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.models import Commitment
from tests.factories import (
    AgendaItemFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    SessionFactory,
    TopicFactory,
)
from tests.sessions.conftest import user_with_role
from upe_confer.roles import Role

pytestmark = pytest.mark.django_db

NOON_JUNE_1 = datetime.datetime(2024, 6, 1, 19, 0, tzinfo=datetime.UTC)
CHANGELIST = "admin:confer_commitment_changelist"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(NOON_JUNE_1, tick=False):
        yield


def run_action(client, action: str, commitments, **form):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [c.pk for c in commitments]}
    if form:
        data |= {"apply": "yes", **form}
    return client.post(reverse(CHANGELIST), data)


def test_mark_kept_asks_for_the_date_and_note_then_marks_only_open_ones(staff_client):
    open_one = CommitmentFactory(description="Send the list")
    settled = CommitmentFactory(description="Already broken")
    settled.mark_broken(on=datetime.date(2024, 5, 1))

    form_page = run_action(staff_client, "mark_kept", [open_one, settled])
    assert form_page.status_code == 200
    assert "2 commitments selected" in form_page.content.decode()

    done = run_action(
        staff_client, "mark_kept", [open_one, settled], on="2024-05-30", note="List received."
    )
    assert done.status_code == 302
    open_one.refresh_from_db()
    settled.refresh_from_db()
    assert (open_one.status, open_one.resolved_on, open_one.resolution_note) == (
        "kept",
        datetime.date(2024, 5, 30),
        "List received.",
    )
    assert settled.status == "broken"
    messages = [str(m) for m in staff_client.get(reverse(CHANGELIST)).context["messages"]]
    assert "Mark kept: 1 done. 1 skipped (not open, or no trigger to record)." in messages


def test_mark_broken_refuses_a_future_date_and_changes_nothing(staff_client):
    commitment = CommitmentFactory()
    response = run_action(staff_client, "mark_broken", [commitment], on="2024-06-02", note="")
    assert response.status_code == 200
    assert "This date is in the future" in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_bulk_actions_are_offered_only_with_follow_up_and_reach_only_ones_own_units(client, roles):
    commitment = CommitmentFactory()
    # Communications read every unit's commitments but do not follow them up.
    client.force_login(user_with_role(roles, Role.COMMUNICATIONS, is_staff=True, username="c"))
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert str(commitment.description) in page.content.decode()
    assert "mark_kept" not in page.content.decode()
    # A business agent follows up their own units' commitments: not another unit's.
    client.force_login(user_with_role(roles, Role.BUSINESS_AGENT, is_staff=True, username="a"))
    run_action(client, "mark_kept", [commitment], on="2024-05-30", note="")
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_record_trigger_action_computes_due_dates(staff_client):
    waiting = CommitmentFactory(due_date=None, trigger="after training", trigger_offset_days=30)
    dated = CommitmentFactory(due_date=datetime.date(2024, 7, 1))
    run_action(staff_client, "record_trigger", [waiting, dated], on="2024-05-10", note="Done")
    waiting.refresh_from_db()
    dated.refresh_from_db()
    assert waiting.due_date == datetime.date(2024, 6, 9)
    assert waiting.trigger_occurred_on == datetime.date(2024, 5, 10)
    assert dated.trigger_occurred_on is None


def test_record_trigger_page_shows_the_wait_and_sets_the_due_date(staff_client):
    item = AgendaItemFactory(session=SessionFactory(date=datetime.date(2024, 5, 2)))
    commitment = CommitmentFactory(
        agenda_item=item, due_date=None, trigger="after training", trigger_offset_days=14
    )
    url = reverse("admin:confer_commitment_trigger", args=[commitment.pk])
    page = staff_client.get(url).content.decode()
    assert "waiting 30 days so far" in page and "14 days after the date you give" in page
    bad = staff_client.post(url, {"on": "", "note": ""})
    assert "This field is required." in bad.content.decode()
    response = staff_client.post(url, {"on": "2024-05-20", "note": "Training finished"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.due_date == datetime.date(2024, 6, 3)
    assert commitment.trigger_note == "Training finished"
    # Once recorded, the page sends you back to the commitment.
    assert staff_client.get(url).status_code == 302


def test_record_trigger_page_is_forbidden_without_the_follow_up_permission(client, roles):
    commitment = CommitmentFactory(due_date=None, trigger="after training")
    client.force_login(user_with_role(roles, Role.COMMUNICATIONS, is_staff=True, username="c"))
    url = reverse("admin:confer_commitment_trigger", args=[commitment.pk])
    assert client.post(url, {"on": "2024-05-20"}).status_code == 403
    commitment.refresh_from_db()
    assert commitment.due_date is None


def test_an_agent_records_triggers_of_their_own_units_only(client, roles):
    mine, theirs = BargainingUnitFactory(code="008"), BargainingUnitFactory(code="005")
    agent = user_with_role(roles, Role.BUSINESS_AGENT, is_staff=True, username="a")
    mine.agents.add(agent)
    client.force_login(agent)

    def awaiting(unit):
        item = AgendaItemFactory(session=SessionFactory(units=[unit]))
        return CommitmentFactory(agenda_item=item, due_date=None, trigger="after training")

    other_unit, own_unit = awaiting(theirs), awaiting(mine)
    url = reverse("admin:confer_commitment_trigger", args=[other_unit.pk])
    assert client.post(url, {"on": "2024-05-20"}).status_code == 404
    url = reverse("admin:confer_commitment_trigger", args=[own_unit.pk])
    assert client.post(url, {"on": "2024-05-20"}).status_code == 302
    other_unit.refresh_from_db(), own_unit.refresh_from_db()
    assert other_unit.due_date is None
    assert own_unit.due_date == datetime.date(2024, 5, 20)


def follow_up_scene():
    unit = BargainingUnitFactory(code="008")
    pilot = TopicFactory(name="CPS Restructure Pilot")
    earlier = SessionFactory(date=datetime.date(2024, 1, 17), units=[unit])
    commitment = CommitmentFactory(
        agenda_item=AgendaItemFactory(session=earlier, topic=pilot),
        description="Provide the volunteer list",
    )
    session = SessionFactory(date=datetime.date(2024, 5, 1), units=[unit])
    AgendaItemFactory(session=session, topic=pilot)
    return session, commitment


def test_follow_up_page_lists_carried_over_commitments_and_records_the_session(staff_client):
    session, commitment = follow_up_scene()
    url = reverse("admin:confer_session_follow_up", args=[session.pk])
    page = staff_client.get(url).content.decode()
    assert "Provide the volunteer list" in page
    response = staff_client.post(
        url, {f"c{commitment.pk}-outcome": "kept", f"c{commitment.pk}-note": "Received."}
    )
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.KEPT
    assert commitment.resolved_on == session.date
    assert commitment.followed_up_in == session
    assert "Provide the volunteer list" not in staff_client.get(url).content.decode()


def test_follow_up_page_rejects_an_unknown_outcome(staff_client):
    session, commitment = follow_up_scene()
    url = reverse("admin:confer_session_follow_up", args=[session.pk])
    response = staff_client.post(url, {f"c{commitment.pk}-outcome": "forgotten"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_follow_up_page_is_linked_from_the_session_and_forbidden_without_staff(client, roles):
    session, _ = follow_up_scene()
    url = reverse("admin:confer_session_follow_up", args=[session.pk])
    client.force_login(user_with_role(roles, Role.COMMUNICATIONS, is_staff=True, username="c"))
    assert client.get(url).status_code == 403
    change = client.get(reverse("admin:confer_session_change", args=[session.pk]))
    assert change.status_code == 200 and url not in change.content.decode()
    client.force_login(user_with_role(roles, Role.STAFF, is_staff=True, username="s"))
    change = client.get(reverse("admin:confer_session_change", args=[session.pk]))
    assert url in change.content.decode()


def test_follow_up_page_runs_a_constant_number_of_queries(staff_client):
    session, _ = follow_up_scene()
    url = reverse("admin:confer_session_follow_up", args=[session.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(10):
        CommitmentFactory(
            agenda_item=AgendaItemFactory(
                session=SessionFactory(date=datetime.date(2024, 2, 1), units=session.units.all()),
            )
        )
    assert queries() == few


def test_the_commitment_list_links_the_reports_for_those_who_run_them(client, roles):
    reports = reverse("reports:index")
    client.force_login(user_with_role(roles, Role.STAFF, is_staff=True, username="s"))
    assert reports in client.get(reverse(CHANGELIST)).content.decode()
    client.force_login(user_with_role(roles, Role.BUSINESS_AGENT, is_staff=True, username="a"))
    assert reports in client.get(reverse(CHANGELIST)).content.decode()
    client.force_login(user_with_role(roles, Role.COMMUNICATIONS, is_staff=True, username="c"))
    assert reports not in client.get(reverse(CHANGELIST)).content.decode()
