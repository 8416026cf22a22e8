"""Users of every role, each with a personal API token, and a client that sends it."""

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import UserFactory
from upe_confer.models import ApiToken
from upe_confer.roles import Role

ROLES = ["member", "communications", "agent_005", "agent_008", "staff"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The per-token counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def users(groups, unit_005, unit_008) -> dict:
    def make(username: str, role: str, units=()):
        user = UserFactory(username=username, is_staff=role != Role.MEMBER)
        user.groups.add(groups[role])
        for unit in units:
            unit.agents.add(user)
        return user

    return {
        "member": make("member", Role.MEMBER),
        "communications": make("comms", Role.COMMUNICATIONS),
        "agent_005": make("agent005", Role.BUSINESS_AGENT, [unit_005]),
        "agent_008": make("agent008", Role.BUSINESS_AGENT, [unit_008]),
        "staff": make("staff", Role.STAFF),
    }


class ApiClient:
    """Django's test client with a bearer token on every request (none: anonymous)."""

    def __init__(self, secret: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, data=None):
        return self.client.get(path, data or {}, headers=self.headers)


@pytest.fixture
def api_as(users):
    """api_as("agent_008") -> a client holding a token of that user; "anonymous" -> none."""

    def client_for(role: str) -> ApiClient:
        if role == "anonymous":
            return ApiClient()
        _, secret = ApiToken.issue(users[role], "tests")
        return ApiClient(secret)

    return client_for
