"""Who may read and change which sessions: the one place the record is scoped per unit, used by
the agent's pages, the admin, the calendar and the reports.

What a user may do is a permission (upe_confer/roles.py); which units a business agent works for
is the BargainingUnit.agents assignment. Both are applied in the query, so an object outside a
user's scope is simply not found (404), never loaded and then refused.
"""

from django.db.models import Q, QuerySet

from .models import AgendaItem, BargainingUnit, Commitment, EvidencePacket, Session


def sees_every_unit(user) -> bool:
    """Staff (and superusers) keep the whole record: no unit scoping anywhere."""
    return user.has_perm("confer.change_all_units")


def units_for(user) -> QuerySet[BargainingUnit]:
    """The units whose sessions the user may log and change."""
    if sees_every_unit(user):
        return BargainingUnit.objects.all()
    if user.has_perm("confer.add_session") or user.has_perm("confer.change_session"):
        return BargainingUnit.objects.filter(agents=user)
    return BargainingUnit.objects.none()


def _sessions_of_units(units: QuerySet[BargainingUnit]) -> QuerySet[Session]:
    # A subquery rather than a join: a session for 005 and 008 stays one row.
    return Session.objects.filter(
        pk__in=Session.units.through.objects.filter(bargainingunit__in=units).values("session")
    )


def sessions_editable_by(user) -> QuerySet[Session]:
    if not user.has_perm("confer.change_session"):
        return Session.objects.none()
    if sees_every_unit(user):
        return Session.objects.all()
    return _sessions_of_units(units_for(user))


def reads_every_unit(user) -> bool:
    """Staff and Communications read the whole record."""
    return sees_every_unit(user) or user.has_perm("confer.read_all_units")


def sessions_readable_by(user) -> QuerySet[Session]:
    """Staff and Communications read every session; an agent reads their units' sessions;
    members read nothing of the record (they read published updates)."""
    if reads_every_unit(user):
        return Session.objects.all()
    if user.has_perm("confer.view_session"):
        return _sessions_of_units(units_for(user))
    return Session.objects.none()


def sessions_on_calendar_of(user) -> QuerySet[Session]:
    """The sessions a user takes part in (as UPE staff present, or as an agent of one of its
    units) among those they may read now; every session for those who see every unit. Roles are
    read at each call: an agent removed from the role loses the sessions, assigned or not."""
    readable = sessions_readable_by(user)
    if sees_every_unit(user):
        return readable
    return readable.filter(
        pk__in=Session.objects.filter(Q(upe_staff=user) | Q(units__agents=user)).values("pk")
    )


def commitments_followed_up_by(user) -> QuerySet[Commitment]:
    """The commitments whose follow-up falls to the user: every one for those who see every
    unit, an agent's units' ones (made at their sessions), none for anyone else."""
    if not user.has_perm("confer.follow_up_commitment"):
        return Commitment.objects.none()
    if sees_every_unit(user):
        return Commitment.objects.all()
    return Commitment.objects.filter(agenda_item__session__in=_sessions_of_units(units_for(user)))


def commitments_to_settle_at(user, session: Session) -> QuerySet[Commitment]:
    """The open commitments the user may settle while logging `session`: for a saved session,
    those carried over to it (its units and topics, made earlier); for a new one, those of the
    user's units. Never one made at the session itself."""
    mine = commitments_followed_up_by(user).open()
    if not session.pk:
        return mine
    carried = Commitment.objects.carry_over_for(session).values("pk")
    return mine.filter(pk__in=carried).exclude(agenda_item__session=session)


def units_reported_to(user) -> QuerySet[BargainingUnit] | None:
    """The units whose scorecard rows and filters the user sees; None: every unit."""
    return None if reads_every_unit(user) else units_for(user)


def commitments_reported_to(user) -> QuerySet[Commitment]:
    """What the follow-up reports count and list for the user: every commitment for those who
    read every unit, those made at an agent's units' sessions for an agent, none otherwise."""
    if not user.has_perm("confer.run_reports"):
        return Commitment.objects.none()
    if reads_every_unit(user):
        return Commitment.objects.all()
    return Commitment.objects.filter(agenda_item__session__in=sessions_readable_by(user))


def agenda_items_reported_to(user) -> QuerySet[AgendaItem]:
    """The agenda items a topic history shows the user, by the same rule."""
    if not user.has_perm("confer.run_reports"):
        return AgendaItem.objects.none()
    if reads_every_unit(user):
        return AgendaItem.objects.all()
    return AgendaItem.objects.filter(session__in=sessions_readable_by(user))


def packets_readable_by(user) -> QuerySet[EvidencePacket]:
    """Evidence packets: Staff see every one; a business agent the ones they produced, while
    they may still read every session in it (a unit taken from them takes its packets)."""
    if not user.has_perm("confer.add_evidencepacket"):
        return EvidencePacket.objects.none()
    if sees_every_unit(user):
        return EvidencePacket.objects.all()
    unreadable = Session.objects.exclude(pk__in=sessions_readable_by(user).values("pk"))
    return EvidencePacket.objects.filter(produced_by=user).exclude(
        sessions__in=unreadable.values("pk")
    )
