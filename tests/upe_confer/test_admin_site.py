"""The hardened admin site (upe_confer/admin_site.py, upe_confer/admin.py): only declared
lookups, no 500 on malformed ids, "View on site" only to what the site shows the user, the
owner autocomplete for those who pick owners, and no password hash on any page."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from members.models import Update
from sessions.models import CalendarToken
from tests.factories import SessionFactory, UpdateFactory
from tests.sessions.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_declared_filters_and_the_date_drill_down_still_work(staff_client, unit_008):
    SessionFactory(units=[unit_008], summary="Original")
    url = reverse("admin:confer_session_changelist")
    for query in [
        "status__exact=held",
        f"units__id__exact={unit_008.pk}",
        "date__year=2024&date__month=3&date__day=1",
        "date__gte=2024-01-01&date__lt=2025-01-01",
        "q=Original",
    ]:
        response = staff_client.get(f"{url}?{query}")
        assert response.status_code == 200, query
        assert response.context["cl"].result_count == 1, query


@pytest.mark.parametrize(
    "query",
    [
        "summary__regex=^a",
        "summary__startswith=a",
        "logged_by__password__startswith=pbkdf2",
        "units__agents__password__startswith=md5",
        "status__regex=(",  # an invalid regex: refused before the database sees it
        "date__year=99999999999999999999999",
        "date__year=9999&date__month=12",
        "nosuchfield=1",
    ],
)
def test_undeclared_lookups_are_refused_with_400(staff_client, query):
    response = staff_client.get(f"{reverse('admin:confer_session_changelist')}?{query}")
    assert response.status_code == 400


def test_a_calendar_token_cannot_be_recovered_through_filters(client, agent_005, staff, superuser):
    CalendarToken.issue(staff)
    stored = CalendarToken.objects.get().token_hash
    url = reverse("admin:confer_calendartoken_changelist")
    for user in (agent_005, staff, superuser):
        client.force_login(user)
        assert client.get(url).status_code == 200
        for query in [
            f"user={staff.pk}&token_hash__regex=^{stored[0]}",
            f"token_hash__startswith={stored[:2]}",
            f"token_hash={stored}",
            "token__regex=^a",
        ]:
            response = client.get(f"{url}?{query}")
            assert response.status_code == 400, (user, query)
        assert stored not in client.get(url).text


def test_password_hashes_are_neither_filterable_nor_shown(client, staff, superuser, member):
    client.force_login(staff)
    members = reverse("admin:members_memberaccount_changelist")
    assert client.get(f"{members}?password__startswith=md5$").status_code == 400
    page = client.get(reverse("admin:members_memberaccount_change", args=[member.pk]))
    assert page.status_code == 200
    assert member.password not in page.text and "md5" not in page.text

    client.force_login(superuser)
    users = reverse("admin:auth_user_changelist")
    assert client.get(f"{users}?password__startswith=md5$").status_code == 400
    page = client.get(reverse("admin:auth_user_change", args=[member.pk]))
    assert page.status_code == 200
    salt = member.password.split("$")[1]
    assert "md5" not in page.text and salt not in page.text
    assert "Set a new password" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "confer/session/abc/history/",
        "confer/session/{pk}/history/abc/",
        "confer/session/{pk}/history/99999999999999999999999/",
        "confer/session/99999999999999999999999/history/",
        "confer/session/abc/change/",
        "confer/session/abc/delete/",
        "confer/commitment/abc/history/",
        "members/update/{update}/history/abc/",
    ],
)
def test_malformed_ids_are_not_found(staff_client, path):
    session = SessionFactory()
    update = UpdateFactory()
    url = "/admin/" + path.format(pk=session.pk, update=update.pk)
    response = staff_client.get(url, follow=True)
    assert response.status_code in (404, 200)  # Django's own change view redirects to the list
    assert response.status_code == 404 or "doesn’t exist" in response.text


def view_on_site(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def test_view_on_site_never_leads_an_agent_to_a_draft(client, agent_008, unit_008):
    draft = UpdateFactory(status=Update.Status.DRAFT, units=[unit_008], slug="secret-topic-draft")
    client.force_login(agent_008)
    response = client.get(view_on_site(draft))
    assert response.status_code == 404
    assert "secret-topic-draft" not in response.get("Location", "")


def test_view_on_site_leads_editors_to_drafts_and_everyone_to_what_the_site_shows(
    client, communications, agent_008, unit_008
):
    draft = UpdateFactory(status=Update.Status.DRAFT, units=[unit_008])
    published = UpdateFactory(units=[unit_008])
    client.force_login(communications)
    assert client.get(view_on_site(draft))["Location"] == draft.get_absolute_url()
    assert client.get(view_on_site(published))["Location"] == published.get_absolute_url()


def test_view_on_site_of_a_session_follows_the_unit_rules(client, agent_005, agent_008, unit_008):
    session = SessionFactory(units=[unit_008])
    client.force_login(agent_008)
    assert client.get(view_on_site(session)).status_code == 302
    client.force_login(agent_005)
    assert client.get(view_on_site(session)).status_code == 404


@pytest.mark.parametrize("args", [["abc", "1"], ["99999999999999999999999", "1"], ["1", "abc"]])
def test_view_on_site_with_malformed_ids_is_not_found(staff_client, args):
    assert staff_client.get(reverse("admin:view_on_site", args=args)).status_code == 404


def autocomplete(client, app_label: str, model_name: str, field_name: str, term: str = ""):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )


@pytest.mark.parametrize(
    "role,source",
    [
        ("staff", ("confer", "commitment", "owner")),
        ("staff", ("confer", "session", "upe_staff")),
        ("staff", ("members", "update", "created_by")),
        ("agent_008", ("confer", "commitment", "owner")),
        ("agent_008", ("confer", "session", "upe_staff")),
        ("communications", ("members", "update", "created_by")),
    ],
)
def test_those_who_edit_the_field_can_pick_a_person(
    client, request, staff, agent_008, communications, member, role, source
):
    client.force_login(request.getfixturevalue(role))
    response = autocomplete(client, *source, term="agent")
    assert response.status_code == 200
    names = [row["text"] for row in json.loads(response.content)["results"]]
    assert "agent008" in names
    everyone = [row["text"] for row in json.loads(autocomplete(client, *source).content)["results"]]
    assert member.username not in everyone  # members are nobody's owner: not listed


@pytest.mark.parametrize(
    "role,source",
    [
        ("communications", ("confer", "commitment", "owner")),  # reads the record, edits none
        ("agent_008", ("members", "update", "created_by")),
        ("staff", ("confer", "bargainingunit", "agents")),  # not an autocomplete field there
        ("staff", ("auth", "user", "groups")),
    ],
)
def test_others_cannot_list_people(client, request, staff, agent_008, communications, role, source):
    client.force_login(request.getfixturevalue(role))
    assert autocomplete(client, *source).status_code == 403


def test_the_user_list_stays_for_superusers_only(client, staff):
    client.force_login(staff)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_a_person_with_no_role_finds_nobody(client, groups):
    nobody = make_user(groups, None, "nobody", is_staff=True)
    client.force_login(nobody)
    assert autocomplete(client, "confer", "commitment", "owner").status_code == 403
