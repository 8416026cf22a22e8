# Users in every role, as the record's tests have them.
from tests.sessions.conftest import (  # noqa: F401
    agent_005,
    agent_008,
    communications,
    groups,
    member,
    staff,
    unit_005,
    unit_008,
)
