import pytest

from members.roles import Role, setup_roles
from tests.factories import UserFactory


@pytest.fixture
def roles(db):
    return setup_roles()


@pytest.fixture
def staff_user(roles):
    user = UserFactory(username="staff", is_staff=True)
    user.groups.add(roles[Role.STAFF])
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def user_with_role(roles, role: str | None, *, is_staff: bool, username: str):
    user = UserFactory(username=username, is_staff=is_staff)
    if role:
        user.groups.add(roles[role])
    return user
