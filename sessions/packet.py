"""The evidence packet: the record of a topic or of chosen sessions, as a PDF for an
unfair-practice charge or an arbitration.

The facts are gathered once into plain data (`packet_facts`): the PDF template shows exactly
these, and their SHA-256 (`fingerprint`) is the packet's fingerprint. Who produced it and when
are on the cover but not in the facts, so the same record gives the same fingerprint.

Reading the record takes a constant number of queries, for one packet (`packet_facts`) or for
the last few on the packet page (`facts_by_packet`); the PDF is rendered by WeasyPrint in a
background task (sessions/tasks.py), never in a request.
"""

import datetime
import hashlib
import io
import json
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from .access import sessions_readable_by
from .history import histories_of
from .models import (
    AgendaItem,
    Attendance,
    Commitment,
    Document,
    EvidencePacket,
    Position,
    Session,
    Topic,
    join_unit_codes,
)

UNION_NAME = "United Public Employees"
UNION_PLACE = "Sacramento County"
INTERNAL_NOTES_LABEL = "internal notes"


def packet_sessions(
    user,
    topic: Topic | None = None,
    sessions: Iterable[Session] | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Session]:
    """The sessions a packet covers: among those the user may read, those where the topic was
    on the agenda and/or those chosen, within the dates."""
    found = sessions_readable_by(user)
    if topic is not None:
        found = found.filter(pk__in=AgendaItem.objects.filter(topic=topic).values("session"))
    if sessions is not None:
        found = found.filter(pk__in=[session.pk for session in sessions])
    if date_from:
        found = found.filter(date__gte=date_from)
    if date_to:
        found = found.filter(date__lte=date_to)
    return found.order_by("date", F("start_time").asc(nulls_first=True), "pk")


def _gathered(session_ids: Iterable[int]) -> list[Session]:
    """The sessions with everything a packet shows, in eight queries however many."""
    items = (
        AgendaItem.objects.select_related("topic")
        .order_by("order", "pk")
        .prefetch_related(
            Prefetch("positions", queryset=Position.objects.order_by("order", "pk")),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("owner", "followed_up_in").order_by(
                    "order", "pk"
                ),
            ),
        )
    )
    return list(
        Session.objects.filter(pk__in=list(session_ids))
        .order_by("date", F("start_time").asc(nulls_first=True), "pk")
        .prefetch_related(
            "units",
            Prefetch("upe_staff", queryset=get_user_model().objects.order_by("username")),
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("advocate__unit").order_by("pk"),
            ),
            Prefetch("agenda_items", queryset=items),
            Prefetch(
                "documents",
                queryset=Document.objects.active().order_by(F("date").asc(nulls_last=True), "pk"),
                to_attr="active_documents",
            ),
        )
    )


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _commitment(commitment: Commitment) -> dict:
    return {
        "party": commitment.get_party_display(),
        "description": commitment.description,
        "owner": _name(commitment.owner),
        "due": commitment.when_due,
        "due_date": _iso(commitment.due_date),
        "trigger_occurred_on": _iso(commitment.trigger_occurred_on),
        "trigger_note": commitment.trigger_note,
        "status": commitment.get_status_display(),
        "resolved_on": _iso(commitment.resolved_on),
        "resolution_note": commitment.resolution_note,
        "followed_up_in": _iso(commitment.followed_up_in.date) if commitment.followed_up_in else "",
    }


def _item(item: AgendaItem, internal: bool) -> dict:
    facts = {
        "order": item.order,
        "topic": item.topic.name,
        "title": item.title,
        "discussion": item.discussion,
        "positions": [
            {
                "party": position.get_party_display(),
                "kind": position.get_kind_display(),
                "statement": position.statement,
            }
            for position in item.positions.all()
        ],
        "outcome": item.outcome,
        "member_guidance": item.member_guidance,
        "union_view": item.union_view,
        "commitments": [_commitment(c) for c in item.commitments.all()],
    }
    if internal:
        facts["internal_notes"] = item.internal_notes
    return facts


def _changed_after(session: Session, entries, item_ids: set[int], internal: bool) -> list[dict]:
    """What changed in the record after the session was held and first recorded: the record as
    written on the day is the record; later edits are what an opponent will ask about. Oldest
    first. Only entries about what the packet shows (its agenda items, the session, advocates)."""
    recorded_on = timezone.localdate(session.created_at) if session.created_at else session.date
    cutoff = max(session.date, recorded_on)
    changes = []
    for entry in reversed(entries):
        if timezone.localdate(entry.when) <= cutoff:
            continue
        if entry.agenda_item_id is not None and entry.agenda_item_id not in item_ids:
            continue
        fields = [f for f in entry.fields if internal or f != INTERNAL_NOTES_LABEL]
        if entry.fields and not fields:
            continue  # only the internal notes changed, and they are not in this packet
        changes.append(
            {
                "when": timezone.localtime(entry.when).isoformat(timespec="seconds"),
                "who": _name(entry.who),
                "what": entry.what,
                "fields": fields,
            }
        )
    return changes


def _session(session: Session, topic_id: int | None, internal: bool, history) -> dict:
    items = [
        item for item in session.agenda_items.all() if topic_id is None or item.topic_id == topic_id
    ]
    facts = {
        "date": _iso(session.date),
        "start_time": session.start_time.strftime("%H:%M") if session.start_time else "",
        "location": session.location,
        "status": session.get_status_display(),
        "units": [unit.code for unit in session.units.all()],
        "county_attendees": session.county_attendee_names(),
        "upe_staff": [_name(user) for user in session.upe_staff.all()],
        "upe_attendees": session.upe_attendee_names(),
        "advocates": [
            {
                "name": attendance.advocate.name,
                "unit": attendance.advocate.unit.code if attendance.advocate.unit else "",
                "classification": attendance.advocate.classification,
            }
            for attendance in session.attendances.all()
        ],
        "summary": session.summary,
        "items": [_item(item, internal) for item in items],
        "next_steps": session.next_steps,
        "changes": _changed_after(session, history, {item.pk for item in items}, internal),
    }
    if internal:
        facts["internal_notes"] = session.internal_notes
    return facts


def _facts(
    sessions: list[Session],
    histories: dict,
    topic: Topic | None,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
    internal: bool,
) -> dict:
    topic_id = topic.pk if topic else None
    exhibits = []
    session_facts = []
    for session in sessions:
        facts = _session(session, topic_id, internal, histories.get(session.pk, []))
        facts["exhibits"] = []
        for document in session.active_documents:
            exhibits.append(
                {
                    "number": len(exhibits) + 1,
                    "title": document.title,
                    "kind": document.get_kind_display(),
                    "date": _iso(document.date),
                    "session_date": facts["date"],
                    "size": document.size,
                    "sha256": document.sha256,
                }
            )
            facts["exhibits"].append(len(exhibits))
        session_facts.append(facts)
    return {
        "union": f"{UNION_NAME}, {UNION_PLACE}",
        "topic": topic.name if topic else "",
        "topic_description": topic.description if topic else "",
        "date_from": _iso(date_from),
        "date_to": _iso(date_to),
        "include_internal_notes": internal,
        "units": join_unit_codes(code for s in session_facts for code in s["units"]),
        "sessions": session_facts,
        "chronology": _chronology(session_facts),
        "exhibits": exhibits,
    }


def _chronology(sessions: list[dict]) -> list[dict]:
    """Every dated event of the packet, oldest first: the sessions, the papers, the triggers
    that happened and the commitments settled."""
    events = []
    for session in sessions:
        titles = "; ".join(item["title"] for item in session["items"])
        events.append(
            {
                "date": session["date"],
                "what": f"Meet and confer ({session['status'].lower()})"
                + (f": {titles}" if titles else ""),
            }
        )
        for item in session["items"]:
            for c in item["commitments"]:
                if c["trigger_occurred_on"]:
                    events.append(
                        {
                            "date": c["trigger_occurred_on"],
                            "what": f"Trigger happened for the {c['party']} commitment: "
                            f"{c['description']}",
                        }
                    )
                if c["resolved_on"]:
                    events.append(
                        {
                            "date": c["resolved_on"],
                            "what": f"{c['party']} commitment {c['status'].lower()}: "
                            f"{c['description']}",
                        }
                    )
    # Stable: events of one day keep the order they were found in.
    return sorted(events, key=lambda event: event["date"])


def packet_facts(
    session_ids: Iterable[int],
    topic: Topic | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    include_internal_notes: bool = False,
) -> dict:
    session_ids = list(session_ids)
    sessions = _gathered(session_ids)
    return _facts(
        sessions,
        histories_of(session_ids),
        topic,
        date_from,
        date_to,
        include_internal_notes,
    )


def facts_of(packet: EvidencePacket) -> dict:
    return packet_facts(
        _ids(packet),
        packet.topic,
        packet.date_from,
        packet.date_to,
        packet.include_internal_notes,
    )


def facts_by_packet(packets: list[EvidencePacket]) -> dict[int, dict]:
    """The current facts of each packet (with `sessions` and `topic` prefetched), reading the
    record once for all of them."""
    wanted = {session.pk for packet in packets for session in packet.sessions.all()}
    gathered = _gathered(wanted)  # in the packets' order
    histories = histories_of(wanted)
    facts = {}
    for packet in packets:
        ids = _ids(packet)
        facts[packet.pk] = _facts(
            [session for session in gathered if session.pk in ids],
            histories,
            packet.topic,
            packet.date_from,
            packet.date_to,
            packet.include_internal_notes,
        )
    return facts


def _ids(packet: EvidencePacket) -> set[int]:
    return {session.pk for session in packet.sessions.all()}


def fingerprint(facts: dict) -> str:
    """SHA-256 of the facts in a canonical form (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def render_pdf(facts: dict, *, produced_by, produced_at: datetime.datetime) -> tuple[bytes, int]:
    """The packet as PDF bytes, and its number of pages."""
    import weasyprint  # loads Pango: only the worker needs it

    html = render_to_string(
        "sessions/packet/packet.pdf.html",
        {
            "facts": facts,
            "fingerprint": fingerprint(facts),
            "produced_by": _name(produced_by),
            "produced_at": timezone.localtime(produced_at),
        },
    )
    document = weasyprint.HTML(string=html).render()
    out = io.BytesIO()
    document.write_pdf(out)
    return out.getvalue(), len(document.pages)
