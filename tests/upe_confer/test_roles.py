import pytest
from django.core.management import call_command

from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles

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
    assert user.has_perm("confer.change_advocate")


def test_member_has_no_permission_on_the_record():
    user = UserFactory()
    user.groups.add(setup_roles()[Role.MEMBER])
    assert not user.has_perm("confer.view_session")


@pytest.mark.parametrize(
    "role, granted, refused",
    [
        (
            Role.BUSINESS_AGENT,
            ["confer.follow_up_commitment", "confer.run_reports"],
            ["confer.read_all_units", "confer.change_all_units", "confer.import_record"],
        ),
        (
            Role.COMMUNICATIONS,
            ["confer.read_all_units"],
            [
                "confer.change_all_units",
                "confer.follow_up_commitment",
                "confer.run_reports",
                "confer.import_record",
            ],
        ),
        (
            Role.STAFF,
            [
                "confer.read_all_units",
                "confer.change_all_units",
                "confer.follow_up_commitment",
                "confer.run_reports",
                "confer.import_record",
            ],
            [],
        ),
        (
            Role.MEMBER,
            ["members.read_members_only_update"],
            ["confer.follow_up_commitment", "confer.import_record"],
        ),
    ],
)
def test_each_role_holds_exactly_its_own_record_wide_permissions(role, granted, refused):
    user = UserFactory()
    user.groups.add(setup_roles()[role])
    assert all(user.has_perm(permission) for permission in granted)
    assert not any(user.has_perm(permission) for permission in refused)


def test_superusers_hold_every_permission_and_the_inactive_none():
    assert UserFactory(is_superuser=True).has_perm("confer.change_all_units")
    staff = UserFactory(is_active=False)
    staff.groups.add(setup_roles()[Role.STAFF])
    assert not staff.has_perm("confer.run_reports")
