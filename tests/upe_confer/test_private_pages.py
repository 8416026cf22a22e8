"""`Cache-Control: private, no-store` on every signed-in page and on the account pages
(upe_confer.conditional.private_pages); public pages keep their caching."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from members.models import Update
from tests.factories import SessionFactory, UpdateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_page_cache():
    cache.clear()


def assert_not_stored(response) -> None:
    assert response.status_code == 200, response
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives


def test_the_pages_of_each_role_are_never_stored(client, agent_008, communications, member):
    session = SessionFactory(units=[agent_008.assigned_units.get()])
    draft = UpdateFactory(status=Update.Status.DRAFT, slug="a-draft")
    for user, pages in [
        (
            agent_008,
            [
                reverse("calendar:settings"),
                reverse("sessions:agent_home"),
                reverse("sessions:session_detail", args=[session.pk]),
                reverse("admin:index"),
            ],
        ),
        (
            communications,
            [
                reverse("members:manage"),
                reverse("members:update_edit", args=[draft.pk]),
                reverse("members:update_detail", args=[draft.slug]),
                reverse("members:update_list"),
            ],
        ),
        (member, [reverse("members:update_list"), reverse("members:search") + "?q=pay"]),
    ]:
        client.force_login(user)
        for page in pages:
            assert_not_stored(client.get(page))


def test_a_new_calendar_link_is_never_stored(client, agent_008):
    client.force_login(agent_008)
    assert_not_stored(client.post(reverse("calendar:reset")))


def test_account_pages_are_never_stored(client):
    for page in [reverse("login"), reverse("password_reset")]:
        assert_not_stored(client.get(page))


def test_public_pages_for_anonymous_visitors_keep_their_caching(client):
    UpdateFactory()
    response = client.get(reverse("members:update_list"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "sessionid" not in response.cookies
