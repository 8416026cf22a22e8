import pytest
from django.core.management import call_command

from members.roles import Role, setup_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_setup_roles_is_idempotent():
    first = {role: set(group.permissions.all()) for role, group in setup_roles().items()}
    call_command("setup_roles")
    again = {role: set(group.permissions.all()) for role, group in setup_roles().items()}
    assert first == again
    assert set(first) == {Role.BUSINESS_AGENT, Role.COMMUNICATIONS, Role.STAFF, Role.MEMBER}


def test_business_agent_may_log_sessions_but_not_delete_them():
    user = UserFactory()
    user.groups.add(setup_roles()[Role.BUSINESS_AGENT])
    assert user.has_perm("confer.add_session")
    assert user.has_perm("confer.change_commitment")
    assert not user.has_perm("confer.delete_session")
    assert not user.has_perm("confer.delete_bargainingunit")


def test_communications_reads_the_record_only():
    user = UserFactory()
    user.groups.add(setup_roles()[Role.COMMUNICATIONS])
    assert user.has_perm("confer.view_session")
    assert not user.has_perm("confer.change_session")


def test_staff_may_do_everything_in_the_record():
    user = UserFactory()
    user.groups.add(setup_roles()[Role.STAFF])
    assert user.has_perm("confer.delete_session")
    assert user.has_perm("members.change_advocate")


def test_member_has_no_permission_on_the_record():
    user = UserFactory()
    user.groups.add(setup_roles()[Role.MEMBER])
    assert not user.has_perm("confer.view_session")


def test_has_role_follows_groups_and_superuser():
    from django.contrib.auth.models import AnonymousUser

    from members.roles import has_role

    agent = UserFactory()
    agent.groups.add(setup_roles()[Role.BUSINESS_AGENT])
    assert has_role(agent, Role.BUSINESS_AGENT)
    assert not has_role(agent, Role.STAFF)
    assert has_role(UserFactory(is_superuser=True), Role.STAFF)
    assert not has_role(AnonymousUser(), Role.MEMBER)
