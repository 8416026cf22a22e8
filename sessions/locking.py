"""Optimistic locking of a session: a save carries the version it was read at and is refused when
someone saved in between. Used by the logging flow and by the admin."""

from django.db.models import F
from django.utils import timezone

from upe_confer.text import long_datetime

from .models import BargainingUnit, Session, join_unit_codes


class StaleSession(Exception):
    """The session was saved by someone else after this form was read."""


def claim_version(session: Session, read_version: int | None) -> None:
    """Inside the caller's transaction, move the session from `read_version` to the next version,
    or raise StaleSession. The conditional UPDATE is the lock: of two saves made from the same
    version, the second finds no row to update (PostgreSQL re-checks the condition after the
    first commits; SQLite serialises writers)."""
    bumped = Session.objects.filter(pk=session.pk, version=read_version).update(
        version=F("version") + 1
    )
    if not bumped:
        raise StaleSession(read_version)
    session.version = read_version + 1


def version_changes(session: Session, read_version: int | None) -> dict:
    """What changed since `read_version`: who saved last, when, and the field differences
    (django-simple-history's diff between the record as read and as it is now)."""
    records = list(session.history.select_related("history_user").order_by("-history_date"))
    if not records:
        return {"changes": [], "latest": None, "read": None}
    latest = records[0]
    read = next((r for r in records if r.version == read_version), None)
    changes = []
    if read is not None and read is not latest:
        labels = {f.name: str(f.verbose_name) for f in Session._meta.fields}
        for change in latest.diff_against(read).changes:
            old, new = change.old, change.new
            if change.field == "units":
                old, new = _unit_codes(old), _unit_codes(new)
            changes.append(
                {"field": labels.get(change.field, change.field), "old": old, "new": new}
            )
    return {"changes": changes, "latest": latest, "read": read}


def _unit_codes(rows) -> str:
    """simple-history gives many-to-many values as rows of the through table."""
    ids = [row.get("bargainingunit") for row in rows or []]
    return join_unit_codes(BargainingUnit.objects.filter(pk__in=ids).values_list("code", flat=True))


def bump_version(session_id: int | None) -> None:
    """A change made to a part of the session elsewhere (the admin's agenda item, position or
    commitment pages) makes every form opened earlier stale."""
    if session_id is not None:
        Session.objects.filter(pk=session_id).update(version=F("version") + 1)


def stale_message(session: Session, read_version: int | None) -> str:
    """The refusal, in words, for a form that can only show text (the admin)."""
    found = version_changes(session, read_version)
    latest = found["latest"]
    who = getattr(latest.history_user, "username", None) if latest else None
    when = long_datetime(timezone.localtime(latest.history_date)) if latest else "a moment ago"
    changes = "; ".join(f"{c['field']}: “{c['old']}” → “{c['new']}”" for c in found["changes"])
    return (
        f"Someone else ({who or 'unknown'}, {when}) saved this session after you opened it, so "
        f"your changes were not saved. "
        + (f"They changed {changes}. " if changes else "They changed its agenda or advocates. ")
        + "Reload the page to see their version, then make your changes again."
    )
