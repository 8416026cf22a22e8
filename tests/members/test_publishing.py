import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.demo import load_demo
from members.models import Update
from sessions.models import Session
from tests.factories import BargainingUnitFactory, SessionFactory, UpdateFactory

pytestmark = pytest.mark.django_db


def draft(**fields) -> Update:
    return UpdateFactory(status=Update.Status.DRAFT, publish_at=None, **fields)


def test_communications_generates_a_draft_from_a_held_session_in_one_click(
    communications_client, communications, anonymous_client
):
    session = load_demo()[0]
    listing = communications_client.get(reverse("members:generate_list"))
    assert str(session) in listing.text

    response = communications_client.post(reverse("members:generate", args=[session.pk]))
    update = Update.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("members:update_edit", args=[update.pk])
    assert update.status == Update.Status.DRAFT
    assert update.session == session
    assert update.created_by == communications
    assert anonymous_client.get(update.get_absolute_url()).status_code == 404


def test_sessions_not_yet_held_cannot_be_written_up(communications_client):
    session = SessionFactory(status=Session.Status.SCHEDULED)
    response = communications_client.post(reverse("members:generate", args=[session.pk]))
    assert response.status_code == 404
    assert not Update.objects.exists()


@pytest.mark.parametrize("who", ["business_agent", "member"])
def test_other_roles_cannot_generate_edit_or_publish(client, request, who):
    client.force_login(request.getfixturevalue(who))
    session = SessionFactory()
    update = draft()
    assert client.post(reverse("members:generate", args=[session.pk])).status_code == 403
    assert client.get(reverse("members:update_edit", args=[update.pk])).status_code == 403
    assert client.get(reverse("members:update_preview", args=[update.pk])).status_code == 403
    assert client.get(reverse("members:manage")).status_code == 403
    publish = client.post(reverse("members:update_publish", args=[update.pk]), {"when": "now"})
    assert publish.status_code == 403
    update.refresh_from_db()
    assert update.status == Update.Status.DRAFT


def test_anonymous_staff_pages_ask_for_sign_in(client):
    update = draft()
    response = client.get(reverse("members:update_edit", args=[update.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_edit_saves_and_keeps_history(communications_client):
    update = draft(title="Old title", slug="old-title")
    response = communications_client.post(
        reverse("members:update_edit", args=[update.pk]),
        {
            "title": "New title",
            "slug": "new-title",
            "summary": "",
            "visibility": "members",
            "units": [BargainingUnitFactory().pk],
            "body": "## Heading\n\nText.",
        },
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.title == "New title"
    assert update.visibility == Update.Visibility.MEMBERS
    assert "<h2>Heading</h2>" in update.body_html
    edits = update.history.filter(history_change_reason="Edited")
    assert edits.exists()
    assert update.history.earliest().title == "Old title"


def test_edit_errors_show_next_to_the_field_and_save_nothing(communications_client):
    UpdateFactory(slug="taken")
    update = draft(slug="mine")
    response = communications_client.post(
        reverse("members:update_edit", args=[update.pk]),
        {"title": "", "slug": "taken", "visibility": "public", "body": "x"},
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert "Another update already has this address" in response.text
    update.refresh_from_db()
    assert update.slug == "mine"


def test_preview_shows_the_page_as_members_will_see_it(communications_client):
    update = draft(title="Preview zebra", body="**Bold** text")
    response = communications_client.get(reverse("members:update_preview", args=[update.pk]))
    assert response.status_code == 200
    assert "Preview." in response.text
    assert "<strong>Bold</strong> text" in response.text
    assert "<title>Preview zebra · United Public Employees</title>" in response.text


def test_publish_now_makes_it_visible(communications_client, anonymous_client):
    update = draft()
    response = communications_client.post(
        reverse("members:update_publish", args=[update.pk]), {"when": "now"}
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == Update.Status.PUBLISHED
    assert update.history.latest().history_change_reason == "Published"
    assert anonymous_client.get(update.get_absolute_url()).status_code == 200


def test_schedule_for_later(communications_client, anonymous_client):
    update = draft()
    later = timezone.localtime() + datetime.timedelta(days=2)
    response = communications_client.post(
        reverse("members:update_publish", args=[update.pk]),
        {"when": "later", "publish_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == Update.Status.SCHEDULED
    assert update.history.latest().history_change_reason.startswith("Scheduled for")
    assert anonymous_client.get(update.get_absolute_url()).status_code == 404


def test_schedule_in_the_past_or_without_a_time_is_refused(communications_client):
    update = draft()
    url = reverse("members:update_publish", args=[update.pk])
    past = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = communications_client.post(url, {"when": "later", "publish_at": past})
    assert response.status_code == 400
    assert "That time has passed" in response.text
    response = communications_client.post(url, {"when": "later", "publish_at": ""})
    assert "Give the date and time" in response.text
    update.refresh_from_db()
    assert update.status == Update.Status.DRAFT


def test_withdraw_and_unpublish_take_it_off_the_site(communications_client, anonymous_client):
    update = UpdateFactory()
    assert anonymous_client.get(update.get_absolute_url()).status_code == 200
    communications_client.post(reverse("members:update_withdraw", args=[update.pk]))
    update.refresh_from_db()
    assert update.status == Update.Status.WITHDRAWN
    assert anonymous_client.get(update.get_absolute_url()).status_code == 404

    communications_client.post(reverse("members:update_unpublish", args=[update.pk]))
    update.refresh_from_db()
    assert update.status == Update.Status.DRAFT
    reasons = [record.history_change_reason for record in update.history.all()]
    assert {"Withdrawn", "Returned to draft"} <= set(reasons)


def test_publishing_actions_need_post(communications_client):
    update = draft()
    assert (
        communications_client.get(reverse("members:update_publish", args=[update.pk])).status_code
        == 405
    )


def test_manage_page_lists_every_status(communications_client):
    draft(title="Draft zebra")
    UpdateFactory(title="Live zebra")
    response = communications_client.get(reverse("members:manage"))
    assert "Draft zebra" in response.text and "Live zebra" in response.text
    filtered = communications_client.get(reverse("members:manage"), {"status": "draft"})
    assert "Live zebra" not in filtered.text


def test_demo_updates_command_publishes_one_update_per_demo_session(client):
    from django.core.management import call_command

    call_command("publish_demo_updates")
    call_command("publish_demo_updates")
    assert Update.objects.published().count() == 2
    text = client.get("/").text
    assert "008 Meet &amp; Confer Update: CPS Restructure Pilot" in text
