"""The four roles, as Django groups with permissions.

Who may touch which *unit's* sessions is not a permission: it is the BargainingUnit.agents
assignment, enforced in the queries of the views and the admin.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q


class Role:
    BUSINESS_AGENT = "Business agent"
    COMMUNICATIONS = "Communications"
    STAFF = "Staff"
    MEMBER = "Member"


# "app_label.codename"; a trailing * matches every codename with that prefix, so permissions of
# models added later are picked up when `setup_roles` runs again.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.BUSINESS_AGENT: [
        "confer.view_*",
        "confer.add_session",
        "confer.change_session",
        "confer.add_agendaitem",
        "confer.change_agendaitem",
        "confer.delete_agendaitem",
        "confer.add_position",
        "confer.change_position",
        "confer.delete_position",
        "confer.add_commitment",
        "confer.change_commitment",
        "confer.delete_commitment",
        "confer.add_topic",
        "members.view_advocate",
        "members.add_advocate",
        "members.view_attendance",
        "members.add_attendance",
        "members.delete_attendance",
    ],
    Role.COMMUNICATIONS: [
        "confer.view_*",
        "members.view_advocate",
        "members.view_attendance",
        # Member updates: write them from sessions, edit, publish, read the members-only ones.
        "members.view_update",
        "members.add_update",
        "members.change_update",
        "members.publish_update",
        "members.read_members_only_update",
        "members.view_siteconfiguration",
        "members.change_siteconfiguration",
    ],
    Role.STAFF: [
        "confer.*",
        "members.*",
    ],
    Role.MEMBER: ["members.read_members_only_update"],
}


def permissions_matching(specs: list[str]):
    query = Q(pk__in=[])
    for spec in specs:
        app_label, codename = spec.split(".", 1)
        if codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


@transaction.atomic
def setup_roles() -> dict[str, Group]:
    """Create the groups and give each exactly its permissions; safe to run again."""
    groups = {}
    for role, specs in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions_matching(specs))
        groups[role] = group
    return groups


def has_role(user, role: str) -> bool:
    """Superusers hold every role; everyone else holds the roles of their groups."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(group.name == role for group in user.groups.all())
