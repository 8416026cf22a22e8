"""Writing an update from a session's record, in the shape of the union's published news items.

The words live in templates (templates/members/generated/*.md), the facts in the record, the
union's contact block in SiteConfiguration: nothing here is copied text.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.text import slugify

from sessions.models import AgendaItem, Party, Position, Session
from upe_confer.text import join_words, long_date

from .models import SiteConfiguration, Update

# Sections of an agenda item, in the order a member reads them, and which positions go in each.
SECTIONS = [
    ("county_proposed", "What the County proposed"),
    ("upe_raised", "What UPE raised and countered"),
    ("county_responded", "How the County responded"),
    ("agreed", "What was agreed"),
    ("refused", "What was refused"),
]


def section_of(position: Position) -> str:
    kind, party = position.kind, position.party
    if kind == Position.Kind.AGREEMENT:
        return "agreed"
    if kind == Position.Kind.REFUSAL:
        return "refused"
    if party == Party.UPE:
        return "upe_raised"
    if kind == Position.Kind.PROPOSAL:
        return "county_proposed"
    return "county_responded"


@dataclass
class ItemSection:
    key: str
    heading: str
    positions: list[Position] = field(default_factory=list)


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


class Literal:
    """A record object as the Markdown templates read it: its text through escape_markdown,
    the objects it leads to wrapped the same way. Only generation sees these."""

    def __init__(self, obj) -> None:
        self._obj = obj

    def __getattr__(self, name: str):
        value = getattr(self._obj, name)
        if isinstance(value, str):
            return escape_markdown(value)
        if isinstance(value, models.Model):
            return Literal(value)
        return value


def session_for_generation(session_pk: int) -> Session:
    """The session with everything the generator reads, in a fixed number of queries."""
    return Session.objects.prefetch_related(
        "units",
        "advocates",
        Prefetch(
            "agenda_items",
            queryset=AgendaItem.objects.select_related("topic").prefetch_related(
                "positions", "commitments"
            ),
        ),
    ).get(pk=session_pk)


def headline(session: Session) -> str:
    topics = list(dict.fromkeys(item.topic.name for item in session.agenda_items.all()))
    title = f"{session.unit_codes} Meet & Confer Update"
    if topics:
        title = f"{title}: {join_words(topics)}"
    return title[:200]


def generate_text(session: Session) -> tuple[str, str]:
    """(headline, Markdown body) for a session fetched with `session_for_generation`."""
    items = []
    for item in session.agenda_items.all():
        sections = {key: ItemSection(key, heading) for key, heading in SECTIONS}
        for position in item.positions.all():
            sections[section_of(position)].positions.append(Literal(position))
        items.append(
            {
                "item": Literal(item),
                "sections": [section for section in sections.values() if section.positions],
                "commitments": [Literal(commitment) for commitment in item.commitments.all()],
            }
        )
    advocates = [escape_markdown(name) for name in sorted(a.name for a in session.advocates.all())]
    context = {
        "session": Literal(session),
        "date": long_date(session.date),
        "units": session.unit_codes,
        "items": items,
        "topics": [
            escape_markdown(name)
            for name in sorted({item.topic.name for item in session.agenda_items.all()})
        ],
        "advocates": join_words(advocates),
        "union": SiteConfiguration.current(),
    }
    body = render_to_string("members/generated/update.md", context)
    # Templates leave runs of blank lines where optional parts are empty; Markdown needs one.
    lines: list[str] = []
    for line in body.splitlines():
        # Whitespace-only lines are blank; content lines keep trailing "  " (a Markdown line break).
        line = line if line.strip() else ""
        if line or (lines and lines[-1]):
            lines.append(line)
    return headline(session), "\n".join(lines).strip() + "\n"


def summary_for(session: Session) -> str:
    text = session.summary.strip() or f"UPE met the County on {long_date(session.date)}."
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
    title, body = generate_text(session_for_generation(update.session_id))
    old = f"# {update.generated_title}\n\n{update.generated_text}"
    current = f"# {update.title}\n\n{update.body}"
    new = f"# {title}\n\n{body}"
    return RecordChange(
        title=title,
        body=body,
        diff_from_generated=unified_diff(old, new, "as generated", "from the record now"),
        diff_from_current=unified_diff(current, new, "the update now", "after regenerating"),
    )
