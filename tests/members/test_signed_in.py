import pytest
from django.urls import reverse

from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "is_staff", "lands_on"),
    [
        (Role.STAFF, True, "admin:index"),
        (Role.BUSINESS_AGENT, True, "sessions:agent_home"),
        (Role.BUSINESS_AGENT, False, "sessions:agent_home"),
        (Role.COMMUNICATIONS, True, "members:manage"),
        (Role.MEMBER, False, "members:update_list"),
        (None, False, "members:update_list"),
    ],
)
def test_signing_in_leads_each_role_to_its_own_start(client, role, is_staff, lands_on):
    user = UserFactory(username="someone", is_staff=is_staff)
    if role:
        user.groups.add(setup_roles()[role])
    response = client.post(
        reverse("login"),
        {"username": "someone", "password": "correct horse battery staple"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(lands_on)
    assert response.status_code == 200


def test_a_requested_page_wins_over_the_role_start(client):
    UserFactory(username="someone")
    response = client.post(
        reverse("login"),
        {"username": "someone", "password": "correct horse battery staple", "next": "/updates/"},
    )
    assert response.url == "/updates/"
