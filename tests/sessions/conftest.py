"""Users in every role, and helpers that fill in the "log a session" page like a browser would."""

import datetime

import pytest

from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles


def make_user(groups, role: str | None, username: str, units=(), **kwargs):
    user = UserFactory(username=username, **kwargs)
    if role:
        user.groups.add(groups[role])
    for unit in units:
        unit.agents.add(user)
    return user


@pytest.fixture
def agent_008(groups, unit_008):
    # Agents may reach the admin too (is_staff); what they see there is scoped to their units.
    return make_user(groups, Role.BUSINESS_AGENT, "agent008", [unit_008], is_staff=True)


@pytest.fixture
def agent_005(groups, unit_005):
    return make_user(groups, Role.BUSINESS_AGENT, "agent005", [unit_005], is_staff=True)


@pytest.fixture
def communications(groups):
    return make_user(groups, Role.COMMUNICATIONS, "comms", is_staff=True)


@pytest.fixture
def staff(groups):
    return make_user(groups, Role.STAFF, "staff", is_staff=True)


@pytest.fixture
def member(groups):
    return make_user(groups, Role.MEMBER, "member")


def _value(value):
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if value is True:
        return "on"
    return str(value)


def _form_data(form, data: dict) -> None:
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if value is None and form.is_bound:
            # A row the server just added: a browser posts what the page shows, the initial value.
            value = bound.initial
        if value is None or value is False or value == "":
            continue
        if isinstance(value, (list, tuple)):
            data[bound.html_name] = [_value(v) for v in value]
        else:
            data[bound.html_name] = _value(value)


def page_data(flow) -> dict:
    """What a browser would post back from the page, unchanged: every form's current values and
    every management form. Tests change a few keys and post it."""
    data: dict = {}
    _form_data(flow.session_form, data)
    for formset in flow.formsets():
        _form_data(formset.management_form, data)
        for form in formset.forms:
            _form_data(form, data)
    return data


# Follow-up and reports (issue 5)
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
