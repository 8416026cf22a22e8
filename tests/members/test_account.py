""" "My account" (which update emails) and the one-click unsubscribe link (RFC 8058)."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Subscription
from members.notify import recipients, unsubscribe_token
from tests.factories import BargainingUnitFactory, UpdateFactory, member_account
from upe_confer.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(roles):
    return member_account("ana@example.org")


def unsubscribe_url(user) -> str:
    return reverse("members:unsubscribe", args=[unsubscribe_token(user)])


def test_my_account_shows_every_unit_by_default_and_saves_chosen_units(client, ana):
    unit_005 = BargainingUnitFactory(code="005")
    unit_008 = BargainingUnitFactory(code="008")
    client.force_login(ana)
    page = client.get(reverse("members:account"))
    assert page.status_code == 200
    assert page.context["form"].initial["all_units"] == "true"
    response = client.post(
        reverse("members:account"),
        {"email_updates": "on", "all_units": "false", "units": [unit_008.pk]},
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=ana)
    assert list(subscription.units.all()) == [unit_008]
    assert list(recipients(UpdateFactory(units=[unit_008]))) == [ana]
    assert list(recipients(UpdateFactory(units=[unit_005]))) == []


def test_choosing_units_without_any_unit_is_refused(client, ana):
    client.force_login(ana)
    response = client.post(
        reverse("members:account"), {"email_updates": "on", "all_units": "false"}
    )
    assert response.status_code == 200
    assert "Choose at least one unit" in response.content.decode()


def test_my_account_needs_signing_in(client):
    response = client.get(reverse("members:account"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_one_click_post_unsubscribes_without_a_session_or_csrf_token(ana):
    browserless = Client(enforce_csrf_checks=True)
    response = browserless.post(unsubscribe_url(ana), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscription.objects.get(user=ana).email_updates
    assert list(recipients(UpdateFactory(units=[BargainingUnitFactory()]))) == []


def test_the_link_opened_in_a_browser_asks_first_then_unsubscribes(client, ana):
    page = client.get(unsubscribe_url(ana))
    assert page.status_code == 200
    assert "Stop emailing ana@example.org" in page.content.decode()
    assert not Subscription.objects.filter(user=ana, email_updates=False).exists()
    done = client.post(unsubscribe_url(ana))
    assert "will no longer receive" in done.content.decode()
    assert not Subscription.objects.get(user=ana).email_updates


def test_a_tampered_token_is_refused_and_cannot_unsubscribe_anyone_else(client, ana):
    bob = member_account("bob@example.org")
    token = unsubscribe_token(ana)
    value, signature = token.split(":", 1)
    forged = f"{unsubscribe_token(bob).split(':', 1)[0]}:{signature}"
    for bad in (forged, token[:-2] + "xx", "garbage"):
        url = reverse("members:unsubscribe", args=[bad])
        assert client.get(url).status_code == 400
        assert client.post(url).status_code == 400
    assert not Subscription.objects.filter(email_updates=False).exists()
    client.post(unsubscribe_url(ana))
    assert list(
        Subscription.objects.filter(email_updates=False).values_list("user", flat=True)
    ) == [ana.pk]


# --- Personal API tokens ---------------------------------------------------------------------


def test_a_new_api_token_is_shown_once_and_stored_only_as_its_hash(client, ana):
    client.force_login(ana)
    response = client.post(reverse("members:api_token_create"), {"name": "my dashboard"})
    assert response.status_code == 201
    secret = response.context["new_token"]
    assert secret in response.content.decode()
    token = ApiToken.objects.get(user=ana)
    assert token.name == "my dashboard"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.token_hash
    page = client.get(reverse("members:account")).content.decode()
    assert "my dashboard" in page
    assert secret not in page
    assert "never" in page  # not used yet


def test_using_a_token_shows_when_it_was_last_used(client, ana):
    client.force_login(ana)
    _, secret = ApiToken.issue(ana, "reader")
    Client().get(reverse("api-v1:units"), headers={"Authorization": f"Bearer {secret}"})
    assert ApiToken.objects.get(user=ana).last_used_at is not None
    page = client.get(reverse("members:account")).content.decode()
    assert "never" not in page


def test_a_token_needs_a_name(client, ana):
    client.force_login(ana)
    response = client.post(reverse("members:api_token_create"), {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_a_token_deletes_it_and_it_opens_nothing_after(client, ana):
    client.force_login(ana)
    token, secret = ApiToken.issue(ana, "old")
    response = client.post(reverse("members:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    api = Client().get(reverse("api-v1:units"), headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_nobody_revokes_someone_elses_token(client, ana):
    other = member_account("ben@example.org")
    token, _ = ApiToken.issue(other, "ben's")
    client.force_login(ana)
    response = client.post(reverse("members:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_tokens_are_made_and_revoked_only_by_a_signed_in_post(client, ana):
    assert client.post(reverse("members:api_token_create"), {"name": "x"}).status_code == 302
    client.force_login(ana)
    assert client.get(reverse("members:api_token_create")).status_code == 405
    token, _ = ApiToken.issue(ana, "kept")
    assert client.get(reverse("members:api_token_revoke", args=[token.pk])).status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()
