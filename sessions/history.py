"""A session's history as people read it: who changed what, and when, for the session and
everything hanging off it (agenda items, positions, commitments, advocates present).

Read in a fixed number of queries (one per model, for one session or many) and diffed in Python
with django-simple-history's `diff_against`, so the summary page and an evidence packet do not
slow down as edits pile up.
"""

from collections import defaultdict
from collections.abc import Iterable
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
    session_id: int | None = None
    # The agenda item it concerns (an item, its positions and commitments); None for the
    # session itself and its advocates.
    agenda_item_id: int | None = None


def _labels(model) -> dict[str, str]:
    return {f.name: str(getattr(f, "verbose_name", f.name)) for f in model._meta.fields}


def _entries(records, model, describe, session_of, item_of=lambda r: None) -> list[HistoryEntry]:
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
            HistoryEntry(
                record.history_date,
                record.history_user,
                describe(record, verb),
                changed,
                session_of(record),
                item_of(record),
            )
        )
    return entries


def histories_of(session_ids: Iterable[int]) -> dict[int, list[HistoryEntry]]:
    """Each session's history, newest first, in five queries however many sessions."""
    session_ids = list(session_ids)

    def oldest_first(manager):
        return manager.select_related("history_user").order_by("history_date", "history_id")

    item_records = list(oldest_first(AgendaItem.history.filter(session_id__in=session_ids)))
    session_of_item = {record.id: record.session_id for record in item_records}
    item_ids = AgendaItem.history.filter(session_id__in=session_ids).values("id")
    entries = [
        *_entries(
            oldest_first(Session.history.filter(id__in=session_ids)),
            Session,
            lambda r, verb: f"Session {verb}" + (f" ({r.get_status_display()})" if verb else ""),
            lambda r: r.id,
        ),
        *_entries(
            item_records,
            AgendaItem,
            lambda r, verb: f"Agenda item “{r.title}” {verb}",
            lambda r: r.session_id,
            lambda r: r.id,
        ),
        *_entries(
            oldest_first(Position.history.filter(agenda_item_id__in=item_ids)),
            Position,
            lambda r, verb: f"{r.get_party_display()} position {verb}: “{r.statement[:60]}”",
            lambda r: session_of_item.get(r.agenda_item_id),
            lambda r: r.agenda_item_id,
        ),
        *_entries(
            oldest_first(Commitment.history.filter(agenda_item_id__in=item_ids)),
            Commitment,
            lambda r, verb: f"{r.get_party_display()} commitment {verb}: “{r.description[:60]}”",
            lambda r: session_of_item.get(r.agenda_item_id),
            lambda r: r.agenda_item_id,
        ),
        *_entries(
            oldest_first(Attendance.history.filter(session_id__in=session_ids)).select_related(
                "advocate"
            ),
            Attendance,
            lambda r, verb: (
                f"Advocate {r.advocate.name} {'removed' if verb == 'deleted' else verb}"
            ),
            lambda r: r.session_id,
        ),
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    by_session: dict[int, list[HistoryEntry]] = defaultdict(list)
    for entry in entries:
        by_session[entry.session_id].append(entry)
    return by_session


def session_history(session: Session, limit: int = 100) -> list[HistoryEntry]:
    """Newest first."""
    return histories_of([session.pk])[session.pk][:limit]
