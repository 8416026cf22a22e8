import pytest
from django.core.cache import cache

from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Member pages are kept in the cache (upe_confer.conditional): each test starts without."""
    cache.clear()


@pytest.fixture
def roles(db):
    return setup_roles()


def user_with_role(roles, role: str, **fields):
    user = UserFactory(**fields)
    user.groups.add(roles[role])
    return user


@pytest.fixture
def member(roles):
    return user_with_role(roles, Role.MEMBER)


@pytest.fixture
def communications(roles):
    return user_with_role(roles, Role.COMMUNICATIONS)


@pytest.fixture
def staff_user(roles):
    return user_with_role(roles, Role.STAFF, is_staff=True)


@pytest.fixture
def business_agent(roles):
    return user_with_role(roles, Role.BUSINESS_AGENT)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def communications_client(client, communications):
    client.force_login(communications)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def anonymous_client():
    """A second browser, signed out, next to a signed-in `client`."""
    from django.test import Client

    return Client()
