"""Who may do what: the four roles, as Django groups holding permissions.

This is the one authorisation vocabulary of the project. Code asks `user.has_perm(...)` (or
`permission_required`, or `perms` in a template), never which group a user is in; the table below
is the only place that says which role holds which permission. Beyond the models' own add /
change / view / delete, the record defines:

- `confer.read_all_units`: read the sessions of every unit, not only the assigned ones;
- `confer.change_all_units`: change the sessions of every unit (the admin then needs no scoping);
- `confer.follow_up_commitment`: mark commitments kept, broken or withdrawn, record triggers;
- `confer.run_reports`: the follow-up reports (open, overdue, scorecard, topic histories), of
  every unit for those who read every unit, of their own units for business agents;
- `confer.restore_document`: bring a deleted document back (deleting one only hides it);
- `confer.include_internal_notes`: put internal notes in an evidence packet (Staff).
- `confer.import_record`: import past sessions from a spreadsheet, export the whole record
  (internal notes included) in the same template, and roll an import back (Staff only).

Which *units* a business agent works for is data, not a permission: BargainingUnit.agents,
applied in the record's queries (sessions/access.py).
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
        "confer.follow_up_commitment",
        "confer.run_reports",
        "confer.add_topic",
        "confer.add_advocate",
        "confer.add_attendance",
        "confer.delete_attendance",
        # Documents of their units' sessions: attach, describe, delete (softly: Staff hold
        # `confer.restore_document`, with the rest of `confer.*`).
        "confer.add_document",
        "confer.change_document",
        "confer.delete_document",
        # Evidence packets of their units' sessions (internal notes stay a Staff choice:
        # `confer.include_internal_notes`).
        "confer.add_evidencepacket",
    ],
    Role.COMMUNICATIONS: [
        "confer.view_*",
        "confer.read_all_units",
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
        # Sign-in lockouts (django-axes): see them, and lift one by deleting it.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
    ],
    Role.MEMBER: ["members.read_members_only_update"],
}


def permissions_matching(specs: list[str], permission_model=Permission):
    query = Q(pk__in=[])
    for spec in specs:
        app_label, codename = spec.split(".", 1)
        if codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return permission_model.objects.filter(query)


@transaction.atomic
def setup_roles() -> dict[str, Group]:
    """Create the groups and give each exactly its permissions; safe to run again."""
    groups = {}
    for role, specs in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions_matching(specs))
        groups[role] = group
    return groups
