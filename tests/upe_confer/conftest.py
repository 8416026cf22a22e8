# Users in every role, as the record's tests have them (groups and units: tests/conftest.py).
from tests.sessions.conftest import (  # noqa: F401
    agent_005,
    agent_008,
    communications,
    member,
    staff,
)
