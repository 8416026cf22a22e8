"""A session's history as people read it: who changed what, and when, for the session and
everything hanging off it (agenda items, positions, commitments, advocates present).

Read in a fixed number of queries (one per model) and diffed in Python with
django-simple-history's `diff_against`, so the summary page does not slow down as edits pile up.
"""

from dataclasses import dataclass, field
from datetime import datetime

from .models import AgendaItem, Attendance, Commitment, Position, Session

VERBS = {"+": "added", "~": "changed", "-": "deleted"}


@dataclass
class HistoryEntry:
    when: datetime
    who: object
    what: str
    fields: list[str] = field(default_factory=list)


def _labels(model) -> dict[str, str]:
    return {f.name: str(getattr(f, "verbose_name", f.name)) for f in model._meta.fields}


def _entries(records, model, describe) -> list[HistoryEntry]:
    """Entries for one model's historical records (oldest first), each diffed against the
    previous record of the same object."""
    labels = _labels(model)
    previous: dict[int, object] = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        changed = []
        if before is not None and record.history_type == "~":
            delta = record.diff_against(before, excluded_fields=["units"])
            changed = [labels.get(change.field, change.field) for change in delta.changes]
        previous[record.id] = record
        if record.history_type == "~" and before is not None and not changed:
            continue  # saved without a change (e.g. the version bump alone)
        verb = VERBS.get(record.history_type, record.history_type)
        entries.append(
            HistoryEntry(record.history_date, record.history_user, describe(record, verb), changed)
        )
    return entries


def session_history(session: Session, limit: int = 100) -> list[HistoryEntry]:
    """Newest first."""

    def oldest_first(manager):
        return manager.select_related("history_user").order_by("history_date", "history_id")

    item_ids = AgendaItem.history.filter(session_id=session.pk).values("id")
    entries = [
        *_entries(
            oldest_first(session.history.all()),
            Session,
            lambda r, verb: f"Session {verb}" + (f" ({r.get_status_display()})" if verb else ""),
        ),
        *_entries(
            oldest_first(AgendaItem.history.filter(session_id=session.pk)),
            AgendaItem,
            lambda r, verb: f"Agenda item “{r.title}” {verb}",
        ),
        *_entries(
            oldest_first(Position.history.filter(agenda_item_id__in=item_ids)),
            Position,
            lambda r, verb: f"{r.get_party_display()} position {verb}: “{r.statement[:60]}”",
        ),
        *_entries(
            oldest_first(Commitment.history.filter(agenda_item_id__in=item_ids)),
            Commitment,
            lambda r, verb: f"{r.get_party_display()} commitment {verb}: “{r.description[:60]}”",
        ),
        *_entries(
            oldest_first(Attendance.history.filter(session_id=session.pk)).select_related(
                "advocate"
            ),
            Attendance,
            lambda r, verb: (
                f"Advocate {r.advocate.name} {'removed' if verb == 'deleted' else verb}"
            ),
        ),
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
