"""Who may read and change which sessions: one place, used by the flow's views and the admin.

Roles are groups (members/roles.py); which units a business agent works for is the
BargainingUnit.agents assignment. Both are applied in the query, so an object outside a user's
scope is simply not found (404), never loaded and then refused.
"""

from django.db.models import QuerySet

from members.roles import Role, has_role

from .models import BargainingUnit, Session


def sees_every_unit(user) -> bool:
    """Staff (and superusers) keep the whole record."""
    return has_role(user, Role.STAFF)


def units_for(user) -> QuerySet[BargainingUnit]:
    """The units whose sessions the user may log and change."""
    if sees_every_unit(user):
        return BargainingUnit.objects.all()
    if has_role(user, Role.BUSINESS_AGENT):
        return BargainingUnit.objects.filter(agents=user)
    return BargainingUnit.objects.none()


def _sessions_of_units(units: QuerySet[BargainingUnit]) -> QuerySet[Session]:
    # A subquery rather than a join: a session for 005 and 008 stays one row.
    return Session.objects.filter(
        pk__in=Session.units.through.objects.filter(bargainingunit__in=units).values("session")
    )


def sessions_editable_by(user) -> QuerySet[Session]:
    if sees_every_unit(user):
        return Session.objects.all()
    if has_role(user, Role.BUSINESS_AGENT) and user.has_perm("confer.change_session"):
        return _sessions_of_units(units_for(user))
    return Session.objects.none()


def sessions_readable_by(user) -> QuerySet[Session]:
    """Staff and Communications read every session; an agent reads their units' sessions;
    members read nothing of the record (they read published updates)."""
    if sees_every_unit(user) or has_role(user, Role.COMMUNICATIONS):
        return Session.objects.all()
    if has_role(user, Role.BUSINESS_AGENT):
        return _sessions_of_units(units_for(user))
    return Session.objects.none()


def can_log_sessions(user) -> bool:
    return user.is_authenticated and user.has_perm("confer.add_session")
