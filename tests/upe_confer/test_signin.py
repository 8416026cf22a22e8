"""Sign-in throttling (django-axes, upe_confer/signin.py): per username and per address, the same
on the site and the admin, lifted by Staff."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.factories import UserFactory
from upe_confer.signin import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password
LIMIT = 10


def sign_in(client, username: str, password: str, *, admin: bool = False, address="10.0.0.1"):
    page = reverse("admin:login") if admin else reverse("login")
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def ann(db):
    return UserFactory(username="ann", email="ann@example.org")


def test_ten_wrong_passwords_lock_the_account_with_a_message_a_member_can_act_on(client, ann):
    for _ in range(LIMIT - 1):
        assert sign_in(client, "ann", "wrong").status_code == 200
    locked = sign_in(client, "ann", "wrong")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    text = locked.text
    assert "Sign-in paused for 15 minutes" in text
    assert "You can try again at" in text
    assert reverse("password_reset") in text
    assert "Staff can also lift the pause" in text

    right = sign_in(client, "ann", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_wait(client, ann):
    start = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(LIMIT):
            sign_in(client, "ann", "wrong")
        assert sign_in(client, "ann", PASSWORD).status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert sign_in(client, "ann", PASSWORD).status_code == 302


def test_the_site_and_the_admin_count_together(client, ann):
    for _ in range(LIMIT // 2):
        sign_in(client, "ann", "wrong")
    for _ in range(LIMIT // 2 - 1):
        assert sign_in(client, "ann", "wrong", admin=True).status_code == 200
    assert sign_in(client, "ann", "wrong", admin=True).status_code == 429
    assert sign_in(client, "ann", PASSWORD).status_code == 429


def test_one_address_guessing_many_usernames_is_locked_out(client, ann):
    for n in range(LIMIT):
        sign_in(client, f"guess{n}", "wrong", address="203.0.113.9")
    assert sign_in(client, "ann", PASSWORD, address="203.0.113.9").status_code == 429
    # Someone else, elsewhere, is not affected.
    assert sign_in(client, "ann", PASSWORD, address="198.51.100.7").status_code == 302


def test_staff_see_and_lift_a_lockout_then_the_member_signs_in(client, ann, staff):
    for _ in range(LIMIT):
        sign_in(client, "ann", "wrong")
    assert sign_in(client, "ann", PASSWORD).status_code == 429

    staff_browser = client.__class__()
    staff_browser.force_login(staff)
    listing = staff_browser.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "ann" in listing.text and "Locked until" in listing.text
    attempts = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    lifted = staff_browser.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "lift_lockouts", "_selected_action": attempts},
        follow=True,
    )
    assert "lifted: they can sign in again now" in lifted.text
    assert not AccessAttempt.objects.exists()

    assert sign_in(client, "ann", PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, ann):
    for _ in range(LIMIT - 1):
        sign_in(client, "ann", "wrong")
    assert sign_in(client, "ann", PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "ann", "wrong").status_code == 200


def test_the_sign_in_page_is_never_stored(client):
    response = client.get(reverse("login"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "behind_proxy,forwarded,expected",
    [
        (False, "198.51.100.7", "10.0.0.1"),  # without a proxy the header is anyone's
        (True, "198.51.100.7", "198.51.100.7"),
        (True, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry is ignored
        (True, "", "10.0.0.1"),
    ],
)
def test_the_address_counted_is_the_one_the_proxy_saw(behind_proxy, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(BEHIND_PROXY=behind_proxy):
        assert client_ip(request) == expected
