"""Schemathesis against the API's own OpenAPI schema, through the WSGI app: whatever it sends
(valid and invalid parameters, forged cursors), no answer is a 5xx and every answer matches the
schema (status code, content type, body)."""

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
    AgendaItemFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
    UpdateFactory,
)
from upe_confer.models import ApiToken

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db, users, unit_008, settings):
    """The schema as a client fetches it, over a small record of every kind."""
    settings.API_RATE_LIMIT = "100000/min"
    topic = TopicFactory(name="CARES testing", slug="cares-testing")
    session = SessionFactory(units=[unit_008], date=datetime.date(2024, 3, 1))
    item = AgendaItemFactory(session=session, topic=topic, order=1)
    PositionFactory(agenda_item=item, order=1)
    CommitmentFactory(agenda_item=item, order=1)
    CommitmentFactory(agenda_item=item, order=2, due_date=None, trigger="after the training")
    UpdateFactory(units=[unit_008], topics=[topic])
    # As Django's test client does: the test's transaction holds the data, so the end of a
    # request must not close the connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# One worker runs the three (scripts/test distributes whole files): the first schema a process
# builds costs about 9 s.
@pytest.mark.parametrize("role", ["staff", "agent_008", "member"])
def test_the_api_answers_every_request_as_its_schema_says(api_schema, users, role):
    """As Staff (everything found), an agent (another unit's session is 404) and a member
    (the record is 403)."""
    token = ApiToken.issue(users[role], "schemathesis")[1]
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 6

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_the_schema_says(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_the_schema_says()
