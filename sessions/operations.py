"""The writes of the record that span several rows, each a named operation: log a session, mark
it held, follow commitments up, record that a trigger happened. The agent's pages, the admin,
commands and tests all call these; forms only validate what goes in.
"""

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import batched

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from .documents import CheckedFile
from .locking import StaleSession, claim_version
from .models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    Document,
    EvidencePacket,
    Position,
    Session,
    SessionDraft,
    Topic,
)
from .tasks import render_evidence_packet

# --- Logging a session ---------------------------------------------------------------------------


@dataclass
class NewAdvocate:
    name: str
    unit: BargainingUnit
    classification: str = ""


@dataclass
class AgendaEntry:
    """One agenda item as typed: the item and its rows carry their new values, unsaved."""

    item: AgendaItem
    topic: Topic | None = None
    new_topic: str = ""  # a topic typed by name, when none was picked
    positions: list[Position] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    removed: list[Position | Commitment] = field(default_factory=list)


@dataclass
class SessionLog:
    """Everything the agent's "log a session" page says about a session, validated.

    `session` carries its new field values, unsaved. `units` are the units chosen among
    `units_offered` (those the user may change); the session's other units stay on it."""

    session: Session
    read_version: int | None
    units: list[BargainingUnit]
    units_offered: list[BargainingUnit]
    advocates: list[Advocate] = field(default_factory=list)
    new_advocates: list[NewAdvocate] = field(default_factory=list)
    agenda: list[AgendaEntry] = field(default_factory=list)
    removed_items: list[AgendaItem] = field(default_factory=list)
    documents: list["NewDocument"] = field(default_factory=list)
    # Earlier commitments settled at this session: (commitment, status, note), as `follow_up`.
    follow_ups: list[tuple[Commitment, str, str]] = field(default_factory=list)


@transaction.atomic
def log_session(
    log: SessionLog, *, by, mark_held: bool = False, draft_pk: int | None = None
) -> Session:
    """Save a new or changed session with its units, advocates, agenda, positions and
    commitments, all or nothing, and discard the author's draft of it (`draft_pk`). A change made
    from a stale version raises StaleSession."""
    session = log.session
    if session.pk:
        claim_version(session, log.read_version)
    else:
        session.logged_by = by
    if mark_held:
        session.status = Session.Status.HELD
    session.save()
    _save_units(session, log)
    _save_advocates(session, log)
    _save_agenda(session, log)
    follow_up(log.follow_ups, session=session)  # rows left open are skipped there
    if draft_pk:
        SessionDraft.objects.of(by).filter(pk=draft_pk).delete()
    # Last: the files are written only once everything else of the session is.
    attach_documents(session, log.documents, by=by)
    return session


def keep_draft(data, *, author, session: Session | None, draft_pk: int | None) -> SessionDraft:
    """Keep what is typed on the page (a QueryDict) as the author's draft: theirs with
    `draft_pk` when it still exists for this session, otherwise a new one."""
    typed = {name: values for name, values in data.lists() if name not in SessionDraft.NOT_TYPED}
    mine = SessionDraft.objects.of(author).filter(session=session)
    draft = mine.filter(pk=draft_pk).first() if draft_pk else None
    if draft is None:
        draft = SessionDraft(author=author, session=session)
    draft.data = typed
    draft.save()
    return draft


def _save_units(session: Session, log: SessionLog) -> None:
    # Units this user may not change stay as they are (an agent for 008 editing a session for
    # 005 and 008 keeps 005 on it).
    offered = set(log.units_offered)
    others = {unit for unit in session.units.all() if unit not in offered}
    session.units.set(set(log.units) | others)


def _save_advocates(session: Session, log: SessionLog) -> None:
    chosen = {advocate.pk for advocate in log.advocates}
    for new in log.new_advocates:
        advocate, _ = Advocate.objects.get_or_create(
            name=new.name.strip(), unit=new.unit, defaults={"classification": new.classification}
        )
        chosen.add(advocate.pk)
    present = {a.advocate_id: a for a in session.attendances.all()}
    for advocate_id, attendance in present.items():
        if advocate_id not in chosen:
            attendance.delete()
    for advocate_id in chosen - set(present):
        Attendance.objects.create(session=session, advocate_id=advocate_id)


def _save_agenda(session: Session, log: SessionLog) -> None:
    for item in log.removed_items:
        item.delete()
    for order, entry in enumerate(log.agenda, 1):
        item = entry.item
        item.session = session
        item.order = order
        item.topic = entry.topic or topic_named(entry.new_topic, session)
        item.save()
        for row in entry.removed:
            row.delete()
        for rows in (entry.positions, entry.commitments):
            for row_order, row in enumerate(rows, 1):
                row.agenda_item = item
                row.order = row_order
                row.save()


def topic_named(name: str, session: Session) -> Topic:
    """The topic of this name, or a new one for the session's units. Names and slugs are
    unique: "Cares testing" is the existing "CARES testing"."""
    name = name.strip()
    topic = Topic.objects.filter(Q(name__iexact=name) | Q(slug=slugify(name)[:200])).first()
    if topic is None:
        topic = Topic.objects.create(name=name)
        topic.units.set(session.units.all())
    return topic


@transaction.atomic
def mark_held(session: Session, read_version: int) -> bool:
    """The session took place; False (and nothing changed) if it was saved since it was read."""
    return _set_status(session, read_version, Session.Status.HELD)


@transaction.atomic
def cancel_session(session: Session, read_version: int) -> bool:
    """The session will not take place (it stays in the record and its history); False (and
    nothing changed) if it was saved since it was read."""
    return _set_status(session, read_version, Session.Status.CANCELLED)


def _set_status(session: Session, read_version: int, status: str) -> bool:
    try:
        claim_version(session, read_version)
    except StaleSession:
        return False
    session.status = status
    session.save(update_fields=["status", "version", "updated_at"])
    return True


# --- Documents ---------------------------------------------------------------------------------


@dataclass
class NewDocument:
    """A checked upload and what the uploader said about it."""

    checked: CheckedFile
    title: str = ""
    kind: str = Document.Kind.OTHER
    date: datetime.date | None = None
    agenda_item: AgendaItem | None = None
    commitment: Commitment | None = None
    shared_with_members: bool = False


@contextmanager
def files_removed_on_failure(documents: list[Document]) -> Iterator[None]:
    """A save that fails leaves no file behind: the files stored so far are deleted."""
    try:
        yield
    except BaseException:
        for document in documents:
            if document.file.name:
                document.file.storage.delete(document.file.name)
        raise


@transaction.atomic
def attach_documents(session: Session, new: list[NewDocument], *, by) -> list[Document]:
    """Attach files to a session (and, each, to one of its agenda items or commitments), all or
    nothing. A file already attached to the session (the same SHA-256) is refused."""
    saved: list[Document] = []
    with files_removed_on_failure(saved):
        for entry in new:
            checked = entry.checked
            item, commitment = entry.agenda_item, entry.commitment
            if commitment is not None:
                item = item or commitment.agenda_item
            for part in (item, commitment and commitment.agenda_item):
                if part is not None and part.session_id != session.pk:
                    raise ValidationError("A document belongs to an item of its own session.")
            document = Document(
                session=session,
                agenda_item=item,
                commitment=commitment,
                title=(entry.title or checked.stem or checked.original_name or "Document")[:200],
                kind=entry.kind,
                date=entry.date or session.date,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                shared_with_members=entry.shared_with_members,
                added_by=by,
            )
            document.file.save("upload", checked.upload, save=False)
            saved.append(document)
            document.save()
    return saved


def duplicates(session: Session | None, checked: list[CheckedFile]) -> dict[str, Document]:
    """The session's documents that these files repeat, by SHA-256."""
    if session is None or session.pk is None:
        return {}
    found = Document.objects.active().filter(
        session=session, sha256__in=[c.sha256 for c in checked]
    )
    return {document.sha256: document for document in found}


def delete_document(document: Document, *, by) -> None:
    """Soft: the document leaves the session page and the update, and stays in the admin and
    its history, restorable by Staff. The file is kept."""
    if document.deleted_at is None:
        document.deleted_at = timezone.now()
        document.deleted_by = by
        document.save(update_fields=["deleted_at", "deleted_by"])


def restore_document(document: Document) -> bool:
    """Undo a delete; False when the same file has been attached to the session since."""
    if document.deleted_at is None:
        return True
    if Document.objects.active().filter(session=document.session_id, sha256=document.sha256):
        return False
    document.deleted_at = None
    document.deleted_by = None
    document.save(update_fields=["deleted_at", "deleted_by"])
    return True


# --- Following commitments up ----------------------------------------------------------------


# Commitments checked against the database per query: a bulk action may select thousands.
BATCH_SIZE = 500


@dataclass
class Outcome:
    resolved: int = 0
    skipped: int = 0


@transaction.atomic
def follow_up(
    decisions: Iterable[tuple[Commitment, str, str]],
    *,
    on: datetime.date | None = None,
    session: Session | None = None,
) -> Outcome:
    """Settle commitments: each (commitment, status, note) with a status is marked kept, broken
    or withdrawn on `on`. At a session, `on` is the session's day and the commitment records
    where it was followed up. Only open commitments change; the others are skipped.

    One save per commitment on purpose: each change is then in its history, with who made it."""
    if session is not None:
        on = session.date
    outcome = Outcome()
    for chunk in batched((d for d in decisions if d[1]), BATCH_SIZE):
        still_open = _pks(Commitment.objects.open(), [c for c, _, _ in chunk])
        for commitment, status, note in chunk:
            if commitment.pk not in still_open:
                outcome.skipped += 1
                continue
            commitment.resolve(status, on, note, session)
            outcome.resolved += 1
    return outcome


@transaction.atomic
def record_trigger(commitments, on: datetime.date, note: str = "") -> Outcome:
    """The trigger of each commitment awaiting one happened on `on`: its due date follows. The
    others are skipped."""
    outcome = Outcome()
    for chunk in batched(commitments, BATCH_SIZE):
        awaiting = _pks(Commitment.objects.awaiting_trigger(), chunk)
        for commitment in chunk:
            if commitment.pk not in awaiting:
                outcome.skipped += 1
                continue
            commitment.record_trigger(on, note)
            outcome.resolved += 1
    return outcome


def _pks(rule_queryset, commitments) -> set[int]:
    """Which of these commitments the rule's queryset holds, as the database has them now."""
    return set(
        rule_queryset.filter(pk__in=[c.pk for c in commitments]).values_list("pk", flat=True)
    )


# --- Evidence packets ----------------------------------------------------------------------------


@transaction.atomic
def request_evidence_packet(
    sessions: Iterable[Session],
    *,
    by,
    topic: Topic | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    include_internal_notes: bool = False,
) -> EvidencePacket:
    """Record what the packet covers and have a worker make its PDF (after the commit, so the
    worker finds the row). `sessions` are those the choice found (packet.packet_sessions)."""
    if include_internal_notes and not by.has_perm("confer.include_internal_notes"):
        raise PermissionDenied("Only staff may include internal notes in a packet.")
    packet = EvidencePacket.objects.create(
        topic=topic,
        date_from=date_from,
        date_to=date_to,
        include_internal_notes=include_internal_notes,
        produced_by=by,
    )
    packet.sessions.set(sessions)
    transaction.on_commit(lambda: render_evidence_packet.enqueue(packet.pk))
    return packet
