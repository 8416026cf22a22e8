"""Writing an update from a session's record, in the shape of the union's published news items.

The words live in templates (templates/members/generated/*.md), the facts in the record, the
union's contact block in SiteConfiguration: nothing here is copied text.
"""

import difflib
import re
from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.text import slugify

from sessions.models import (
    AgendaItem,
    Attendance,
    Commitment,
    Party,
    Position,
    Session,
    join_unit_codes,
    published_text,
)
from upe_confer.text import join_words, long_date

from .models import SiteConfiguration, Update

# How each kind of position is told: the party leads, in the seeds' plain newsroom style.
VERBS = {
    Position.Kind.STATEMENT: "said",
    Position.Kind.PROPOSAL: "proposed",
    Position.Kind.CONCERN: "raised a concern",
    Position.Kind.COUNTER: "countered",
    Position.Kind.RESPONSE: "responded",
    Position.Kind.AGREEMENT: "agreed",
    Position.Kind.REFUSAL: "refused",
}
PARTIES = {Party.COUNTY: "The County", Party.UPE: "UPE"}


# Characters with a meaning anywhere in a line (emphasis, code, links, autolinks, tables,
# strikethrough, escapes), entity references, and what starts a block at the start of a line
# (heading, quote, list item, setext underline, numbered item).
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|~])|&(?=#?\w+;)")
_MARKDOWN_LINE_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Text typed into the record as literal Markdown: it reads as typed, never as a link,
    heading, list or emphasis. (Leading spaces go too: four would start a code block.)"""
    text = "\n".join(line.lstrip() for line in text.split("\n"))
    text = _MARKDOWN_INLINE.sub(lambda m: "\\" + (m.group(1) or "&"), text)
    return _MARKDOWN_LINE_START.sub(
        lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), text
    )


def member_text(obj) -> dict[str, str]:
    """The record's published text of `obj` (nothing internal), each value as literal Markdown:
    what reaches an update from the record passes through here."""
    return {name: escape_markdown(value) for name, value in published_text(obj).items()}


def session_for_generation(session_pk: int) -> Session:
    """The session with everything the generator reads, in a fixed number of queries."""
    return Session.objects.prefetch_related(
        "units",
        Prefetch("attendances", queryset=Attendance.objects.select_related("advocate__unit")),
        Prefetch(
            "agenda_items",
            queryset=AgendaItem.objects.select_related("topic").prefetch_related(
                "positions", "commitments"
            ),
        ),
        Prefetch(
            "followed_up_commitments",
            queryset=Commitment.objects.select_related("agenda_item__session").order_by(
                "agenda_item__session__date", "pk"
            ),
        ),
    ).get(pk=session_pk)


def topic_names(session: Session) -> list[str]:
    """The topics on the agenda, in agenda order, each once."""
    return list(dict.fromkeys(item.topic.name for item in session.agenda_items.all()))


def headline(session: Session) -> str:
    title = f"{session.unit_codes} Meet & Confer Update"
    if topics := topic_names(session):
        title = f"{title}: {join_words(topics)}"
    return title[:200]


def position_text(position: Position) -> dict:
    return {
        "lead": f"{PARTIES[position.party]} {VERBS[position.kind]}",
        **member_text(position),
    }


def commitment_text(commitment: Commitment) -> dict:
    """A commitment as it stands now: still due (when), kept, broken or withdrawn (on when)."""
    status = commitment.status
    if status == Commitment.Status.OPEN:
        standing = escape_markdown(commitment.due_phrase)
    else:
        verb = {"kept": "kept", "broken": "broken", "withdrawn": "withdrawn"}[status]
        standing = f"{verb} on {long_date(commitment.resolved_on)}"
    return {
        "party": PARTIES[commitment.party],
        "standing": standing,
        **member_text(commitment),
    }


def follow_up_text(commitment: Commitment) -> dict:
    """An earlier commitment settled at this session: "The County kept its commitment of …"."""
    verb = {"kept": "kept", "broken": "broke", "withdrawn": "withdrew"}[commitment.status]
    return {
        "lead": f"{PARTIES[commitment.party]} {verb} its commitment",
        "made_on": long_date(commitment.agenda_item.session.date),
        **member_text(commitment),
    }


def generate_text(session: Session) -> tuple[str, str]:
    """(headline, Markdown body) for a session fetched with `session_for_generation`.

    Only what members may read goes in: every text of the record passes through
    `member_text`, which drops the internal fields (sessions.models.PUBLISHED_TEXT) and
    escapes what is left as literal Markdown."""
    items = [
        {
            **member_text(item),
            "topic": escape_markdown(item.topic.name),
            "positions": [position_text(p) for p in item.positions.all()],
            "commitments": [commitment_text(c) for c in item.commitments.all()],
        }
        for item in session.agenda_items.all()
    ]
    followed_up = [
        follow_up_text(c)
        for c in session.followed_up_commitments.all()
        if c.status != Commitment.Status.OPEN
    ]
    # In the order they were recorded: the order the union thanks them in. Whom they spoke for
    # is said only when every one's unit is known.
    advocates = [attendance.advocate for attendance in session.attendances.all()]
    advocate_units = [advocate.unit for advocate in advocates]
    spoke_for = (
        join_unit_codes(unit.code for unit in advocate_units)
        if advocates and None not in advocate_units
        else ""
    )
    context = {
        "session": member_text(session),
        "date": long_date(session.date),
        "units": session.unit_codes,
        "items": items,
        "topics": join_words([escape_markdown(name) for name in topic_names(session)]),
        "followed_up": followed_up,
        "advocates": join_words([escape_markdown(advocate.name) for advocate in advocates]),
        "spoke_for": spoke_for,
        "contact": contact_block(SiteConfiguration.current()),
    }
    body = render_to_string("members/generated/update.md", context)
    # Templates leave runs of blank lines where optional parts are empty; Markdown needs one.
    lines: list[str] = []
    for line in body.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return headline(session), "\n".join(lines).strip() + "\n"


def contact_block(union: SiteConfiguration) -> str:
    """The union's name and contact lines, one per line (a backslash ends a Markdown line)."""
    lines = [f"**{union.union_name}**", *union.address_lines()]
    for label, value in [
        ("Phone", union.phone),
        ("Fax", union.fax),
        ("Email", union.email),
        ("Web", union.website),
    ]:
        if value:
            lines.append(f"{label}: {value}")
    return "\\\n".join(lines)


def summary_for(session: Session) -> str:
    """The update's summary: the purpose of the meeting as recorded, or the date and topics."""
    text = session.summary.strip()
    if not text:
        topics = join_words(topic_names(session))
        text = f"UPE met with the County on {long_date(session.date)}"
        text += f" to discuss {topics}." if topics else "."
    return text[:300]


def unique_slug(title: str, session: Session) -> str:
    base = slugify(f"{title} {session.date:%Y-%m-%d}")[:180] or "update"
    slug, n = base, 2
    while Update.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass
class RecordChange:
    """How a fresh generation differs from the one an update was written from."""

    title: str
    summary: str
    body: str
    diff_from_generated: str  # what changed in the record
    diff_from_current: str  # what regenerating would do to the update as it stands now

    @property
    def changed(self) -> bool:
        return bool(self.diff_from_generated)


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )


def record_change(update: Update) -> RecordChange | None:
    """None when the update was not generated from a session (or its session is gone)."""
    if update.session_id is None:
        return None
    session = session_for_generation(update.session_id)
    title, body = generate_text(session)
    summary = summary_for(session)
    old = f"# {update.generated_title}\n\n{update.generated_text}"
    # The summary (lists, feeds, the page's description) is refreshed too: the diff shows it.
    current = f"# {update.title}\n\nSummary: {update.summary}\n\n{update.body}"
    new_with_summary = f"# {title}\n\nSummary: {summary}\n\n{body}"
    new = f"# {title}\n\n{body}"
    return RecordChange(
        title=title,
        summary=summary,
        body=body,
        diff_from_generated=unified_diff(old, new, "as generated", "from the record now"),
        diff_from_current=unified_diff(
            current, new_with_summary, "the update now", "after regenerating"
        ),
    )
