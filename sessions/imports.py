"""Years of past sessions, brought in from a spreadsheet (CSV or XLSX) and taken out again.

The template has one row per position or commitment (the `kind` column says which); the row
also carries its session's and agenda item's columns, which may be repeated on every row or
given once. Rows of kind `unit`, `topic` and `advocate` describe the ones the record does not
have yet; `item` and `session` rows hold an agenda item or a session with nothing under it.
`COLUMNS` documents every column; the import page, the template files and `export_record` all
read it.

`read_spreadsheet()` checks every row and plans what would be created, touching nothing: the dry
run. `import_record()` writes a plan with no errors in one transaction and returns the
`ImportBatch` that lists what it created; every history record it writes names the user and the
import ("Import 12"). `roll_back_import()` deletes all of it again, and refuses while any of it
has been changed or is referred to by something the import did not create.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import Prefetch
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from .models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    ImportBatch,
    Position,
    Session,
    Topic,
)
from .reports.exports import FORMULA_STARTS

FORMATS = ("csv", "xlsx")
KINDS = ("unit", "topic", "advocate", "session", "item", "position", "commitment")
RECORD_KINDS = ("session", "item", "position", "commitment")
LIST_SEPARATOR = ";"
PREVIEW_ROWS = 50

# Every column of the template, in its order, with what it holds. The page, the template files
# and the export all follow this list.
COLUMNS: list[tuple[str, str]] = [
    ("kind", "What the row is: " + ", ".join(KINDS) + "."),
    (
        "session",
        "A label of your choice naming the session the row belongs to (e.g. its date); "
        "every row with the same label is the same session.",
    ),
    ("date", "Session: the date it was held, YYYY-MM-DD."),
    ("start_time", "Session: the time it started, HH:MM (optional)."),
    ("location", "Session: where it was held (optional)."),
    (
        "units",
        "Session: its unit codes, separated by ';'. Topic rows: the topic's units. "
        "Unit rows: the unit's code. Advocate rows: the advocate's unit, if known.",
    ),
    ("session_status", "Session: scheduled, held or cancelled (blank: scheduled)."),
    ("county_attendees", "Session: County people present, one per line."),
    ("upe_attendees", "Session: UPE people present who have no account here, one per line."),
    ("summary", "Session: its purpose in a sentence or two (published)."),
    ("next_steps", "Session: what happens next, as members should hear it (published)."),
    ("session_internal_notes", "Session: internal notes (never shown to members)."),
    (
        "advocates",
        "Session: the advocates present, in order, separated by ';', each as "
        "'Name (unit code)' or 'Name' when the advocate has no unit.",
    ),
    ("logged_by", "Session: the username of who logged it (optional)."),
    ("item", "Agenda item: its number within the session (1, 2, ...)."),
    (
        "topic",
        "Agenda item: its topic, by name; a new name makes a new topic. Topic rows: the "
        "topic's name.",
    ),
    ("title", "Agenda item: its title."),
    ("discussion", "Agenda item: what was discussed (published)."),
    ("outcome", "Agenda item: the outcome (published)."),
    ("member_guidance", "Agenda item: what members should do (published)."),
    ("union_view", "Agenda item: UPE's own view (published)."),
    ("item_internal_notes", "Agenda item: internal notes (never shown to members)."),
    (
        "order",
        "Position or commitment: its place within the agenda item (blank: the order of the rows).",
    ),
    ("party", "Position or commitment: county or upe."),
    (
        "position_kind",
        "Position: statement, proposal, concern, counter, response, agreement or "
        "refusal (blank: proposal).",
    ),
    (
        "text",
        "Position: what was said. Commitment: what was committed. Topic rows: the topic's "
        "description.",
    ),
    ("owner", "Commitment: the username of who at UPE follows it up (optional)."),
    ("due_date", "Commitment: its due date, YYYY-MM-DD (optional)."),
    ("trigger", "Commitment: when it falls due if not on a date, e.g. 'after the training'."),
    ("trigger_offset_days", "Commitment: days after the trigger (negative: before)."),
    ("trigger_occurred_on", "Commitment: the date the trigger happened, YYYY-MM-DD."),
    ("trigger_note", "Commitment: a note on the trigger."),
    ("commitment_status", "Commitment: open, kept, broken or withdrawn (blank: open)."),
    ("resolved_on", "Commitment: the date it was kept, broken or withdrawn."),
    ("resolution_note", "Commitment: a note on how it was resolved."),
    ("followed_up_in", "Commitment: the label of a session in this file where it was followed up."),
    ("name", "Unit and advocate rows: the unit's or advocate's name."),
    ("classification", "Advocate rows: the advocate's classification, e.g. Social Worker."),
    ("topic_status", "Topic rows: open or closed (blank: open)."),
    ("active", "Unit and advocate rows: true or false (blank: true)."),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]

# Which model field each plain column fills.
SESSION_COLUMNS = {
    "date": "date",
    "start_time": "start_time",
    "location": "location",
    "session_status": "status",
    "county_attendees": "county_attendees",
    "upe_attendees": "upe_attendees",
    "summary": "summary",
    "next_steps": "next_steps",
    "session_internal_notes": "internal_notes",
}
SESSION_SPECIAL_COLUMNS = ("units", "advocates", "logged_by")
ITEM_COLUMNS = {
    "title": "title",
    "discussion": "discussion",
    "outcome": "outcome",
    "member_guidance": "member_guidance",
    "union_view": "union_view",
    "item_internal_notes": "internal_notes",
}
POSITION_COLUMNS = {"party": "party", "position_kind": "kind", "text": "statement"}
COMMITMENT_COLUMNS = {
    "party": "party",
    "text": "description",
    "due_date": "due_date",
    "trigger": "trigger",
    "trigger_offset_days": "trigger_offset_days",
    "trigger_occurred_on": "trigger_occurred_on",
    "trigger_note": "trigger_note",
    "commitment_status": "status",
    "resolved_on": "resolved_on",
    "resolution_note": "resolution_note",
}
UNIT_COLUMNS = {"units": "code", "name": "name", "active": "active"}
TOPIC_COLUMNS = {"topic": "name", "text": "description", "topic_status": "status"}
ADVOCATE_COLUMNS = {"name": "name", "classification": "classification", "active": "active"}

# The order rows are created in, and deleted in reverse by a rollback.
CREATED_MODELS: list[type[models.Model]] = [
    BargainingUnit,
    Topic,
    Advocate,
    Session,
    Attendance,
    AgendaItem,
    Position,
    Commitment,
]
BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
BULK_SIZE = 500
TEXT_MARK = "'"
ADVOCATE_WITH_UNIT = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)$")


class SpreadsheetUnreadable(Exception):
    """The file is not a CSV or XLSX file this can read; the message says why."""


@dataclass(frozen=True)
class RowError:
    line: int  # the spreadsheet's row number: the header is line 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.message}"


@dataclass
class Group:
    """Rows that describe one session or one agenda item: the columns they give, merged."""

    first_line: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)


@dataclass
class PlannedItem:
    item: AgendaItem
    topic_name: str
    positions: list[Position] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    followed_up_in: dict[int, str] = field(default_factory=dict)  # commitment index -> label


@dataclass
class PlannedSession:
    label: str
    session: Session
    unit_codes: list[str]
    advocates: list[tuple[str, str]]  # (name, unit code or "")
    items: list[PlannedItem] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What an import would create, and every error found; nothing is saved."""

    row_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Not errors: sessions the record seems to hold already (an import run twice).
    warnings: list[RowError] = field(default_factory=list)
    units: list[BargainingUnit] = field(default_factory=list)
    topics: list[tuple[Topic, list[str]]] = field(default_factory=list)
    advocates: list[tuple[Advocate, str]] = field(default_factory=list)
    sessions: list[PlannedSession] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)
    # What the record already holds, found in one query each.
    existing_units: dict[str, BargainingUnit] = field(default_factory=dict)
    existing_topics: dict[str, Topic] = field(default_factory=dict)
    existing_advocates: dict[tuple[str, str], Advocate] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.row_count > 0 and not self.errors

    def counts(self) -> dict[str, int]:
        items = [item for planned in self.sessions for item in planned.items]
        return {
            "bargaining units": len(self.units),
            "topics": len(self.new_topic_names()),
            "advocates": len(self.advocates),
            "sessions": len(self.sessions),
            "agenda items": len(items),
            "positions": sum(len(item.positions) for item in items),
            "commitments": sum(len(item.commitments) for item in items),
        }

    def new_topic_names(self) -> set[str]:
        """Topics the import would create: described in topic rows, or named by an item."""
        names = {slugify(topic.name)[:200] for topic, _ in self.topics}
        for planned in self.sessions:
            for item in planned.items:
                if self.find_topic(item.topic_name) is None:
                    names.add(slugify(item.topic_name)[:200])
        return names

    def find_topic(self, name: str) -> Topic | None:
        """The record's topic of this name: the same name in any case, or the same slug (the
        rule of operations.topic_named)."""
        return self.existing_topics.get(name.lower()) or self.existing_topics.get(
            "slug:" + slugify(name)[:200]
        )


# --- Reading ---------------------------------------------------------------------------------


def load_dataset(content: bytes, fmt: str) -> tablib.Dataset:
    if fmt not in FORMATS:
        raise SpreadsheetUnreadable("Upload a .csv or .xlsx file.")
    try:
        if fmt == "csv":
            text = content.decode("utf-8-sig")
            return tablib.Dataset().load(text, format="csv")
        return tablib.Dataset().load(content, format="xlsx")
    except UnicodeDecodeError:
        raise SpreadsheetUnreadable("The CSV file is not UTF-8 text; save it as UTF-8.") from None
    except Exception as error:  # tablib and openpyxl raise many kinds on a damaged file
        raise SpreadsheetUnreadable(
            f"The file could not be read as {fmt.upper()} ({type(error).__name__})."
        ) from None


def format_of(file_name: str) -> str:
    return file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""


def cell_text(value) -> str:
    """A cell as text, whatever the spreadsheet made of it (XLSX gives dates and numbers)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\r\n", "\n").strip()
    # The apostrophe the export puts before what a spreadsheet would take for a formula.
    return text[1:] if text.startswith(TEXT_MARK) else text


def export_cell(value) -> str:
    """A value as the export writes it: text a spreadsheet would run as a formula (=, +, -, @),
    or that starts with the apostrophe itself, gets an apostrophe in front (the OWASP advice
    against CSV injection, as the reports' CSVs do), which the import takes off again."""
    text = _text(value)
    return TEXT_MARK + text if text.startswith((*FORMULA_STARTS, TEXT_MARK)) else text


def read_spreadsheet(content: bytes, fmt: str) -> ImportPlan:
    """Check every row and plan the import: the dry run. Raises SpreadsheetUnreadable."""
    dataset = load_dataset(content, fmt)
    plan = ImportPlan()
    headers = [cell_text(header).lower() for header in dataset.headers or []]
    unknown = [header for header in headers if header and header not in COLUMN_NAMES]
    for header in unknown:
        plan.errors.append(RowError(1, header, "Not a column of the template."))
    if "kind" not in headers:
        plan.errors.append(RowError(1, "kind", "The template's kind column is missing."))
        return plan
    rows: list[tuple[int, dict[str, str]]] = []
    for index, raw in enumerate(dataset, start=2):
        row = {
            header: cell_text(value)
            for header, value in zip(headers, raw, strict=False)
            if header in COLUMN_NAMES
        }
        for column, value in row.items():
            if "\x00" in value:  # PostgreSQL refuses them in any text
                plan.errors.append(RowError(index, column, "Holds a NUL character."))
                row[column] = value.replace("\x00", "")
        if any(row.values()):
            rows.append((index, row))
    plan.row_count = len(rows)
    _load_existing(plan, rows)
    _Planner(plan).run(rows)
    plan.errors.sort(
        key=lambda error: (
            error.line,
            COLUMN_NAMES.index(error.column) if error.column in COLUMN_NAMES else 0,
        )
    )
    return plan


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _advocate_reference(text: str) -> tuple[str, str]:
    match = ADVOCATE_WITH_UNIT.match(text)
    if match:
        return match["name"].strip(), match["unit"].strip()
    return text.strip(), ""


def _load_existing(plan: ImportPlan, rows: list[tuple[int, dict[str, str]]]) -> None:
    """The units, topics, advocates and users the file names, in one query each."""
    plan.existing_units = {unit.code: unit for unit in BargainingUnit.objects.all()}
    for topic in Topic.objects.all():
        plan.existing_topics.setdefault(topic.name.lower(), topic)
        plan.existing_topics.setdefault("slug:" + topic.slug, topic)
    names = {row.get("name", "") for _, row in rows} | {
        _advocate_reference(part)[0] for _, row in rows for part in _split(row.get("advocates", ""))
    }
    plan.existing_advocates = {
        (advocate.name, advocate.unit.code if advocate.unit else ""): advocate
        for advocate in Advocate.objects.filter(name__in=names).select_related("unit")
    }
    usernames = {row.get(column, "") for _, row in rows for column in ("logged_by", "owner")}
    plan.users = {
        user.get_username(): user
        for user in get_user_model().objects.filter(username__in=usernames - {""})
    }


class _Planner:
    def __init__(self, plan: ImportPlan):
        self.plan = plan
        self.sessions: dict[str, Group] = {}
        self.items: dict[str, dict[int, Group]] = {}
        self.children: dict[tuple[str, int], list[tuple[int, dict[str, str]]]] = {}
        self.new_units: set[str] = set()
        self.new_topics: set[str] = set()
        self.new_advocates: set[tuple[str, str]] = set()
        # Units named by topic and advocate rows, checked once every unit row is read.
        self.units_named: list[tuple[list[str], int]] = []

    def error(self, line: int, column: str, message: str) -> None:
        self.plan.errors.append(RowError(line, column, message))

    def run(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        for line, row in rows:
            kind = row.get("kind", "").lower()
            if len(self.plan.preview) < PREVIEW_ROWS:
                self.plan.preview.append({"line": str(line), **row})
            if kind not in KINDS:
                self.error(line, "kind", f"Use one of: {', '.join(KINDS)}.")
            elif kind == "unit":
                self.unit_row(line, row)
            elif kind == "topic":
                self.topic_row(line, row)
            elif kind == "advocate":
                self.advocate_row(line, row)
            else:
                self.record_row(line, kind, row)
        for codes, line in self.units_named:
            self.check_units(codes, line)
        labels = set(self.sessions)
        for label, group in self.sessions.items():
            self.plan.sessions.append(self.build_session(label, group, labels))
        self.warn_of_sessions_already_there()

    def warn_of_sessions_already_there(self) -> None:
        dates = {p.session.date for p in self.plan.sessions if p.session.date}
        there = {
            (session.date, frozenset(unit.code for unit in session.units.all()))
            for session in Session.objects.filter(date__in=dates).prefetch_related("units")
        }
        for planned in self.plan.sessions:
            if (planned.session.date, frozenset(planned.unit_codes)) in there:
                self.plan.warnings.append(
                    RowError(
                        self.sessions[planned.label].first_line,
                        "session",
                        f"The record already has a session on {planned.session.date} for "
                        f"units {', '.join(planned.unit_codes)}: is this file imported already?",
                    )
                )

    # Reference rows: a unit, topic or advocate the record does not have yet.

    def unit_row(self, line: int, row: dict[str, str]) -> None:
        unit = self.instance(BargainingUnit, UNIT_COLUMNS, row, line)
        if unit is None:
            return
        if unit.code in self.plan.existing_units:
            return  # the record's unit is used as it is
        if unit.code in self.new_units:
            self.error(line, "units", f"Unit {unit.code} is described twice.")
            return
        self.new_units.add(unit.code)
        self.plan.units.append(unit)

    def topic_row(self, line: int, row: dict[str, str]) -> None:
        topic = self.instance(Topic, TOPIC_COLUMNS, row, line)
        if topic is None or self.plan.find_topic(topic.name) is not None:
            return
        key = slugify(topic.name)[:200]  # names and slugs are unique (topic_named)
        if key in self.new_topics:
            self.error(line, "topic", f"Topic “{topic.name}” is described twice.")
            return
        codes = _split(row.get("units", ""))
        self.units_named.append((codes, line))
        self.new_topics.add(key)
        self.plan.topics.append((topic, codes))

    def advocate_row(self, line: int, row: dict[str, str]) -> None:
        advocate = self.instance(Advocate, ADVOCATE_COLUMNS, row, line)
        if advocate is None:
            return
        codes = _split(row.get("units", ""))
        if len(codes) > 1:
            self.error(line, "units", "An advocate has at most one unit.")
            return
        code = codes[0] if codes else ""
        self.units_named.append((codes, line))
        key = (advocate.name, code)
        if key in self.plan.existing_advocates:
            return
        if key in self.new_advocates:
            self.error(line, "name", f"Advocate {advocate.name} is described twice.")
            return
        self.new_advocates.add(key)
        self.plan.advocates.append((advocate, code))

    # Record rows: merged into their session and agenda item.

    def record_row(self, line: int, kind: str, row: dict[str, str]) -> None:
        label = row.get("session", "")
        if not label:
            self.error(line, "session", "Name the session this row belongs to.")
            return
        session = self.sessions.setdefault(label, Group(line))
        self.merge(session, row, [*SESSION_COLUMNS, *SESSION_SPECIAL_COLUMNS], line)
        if kind == "session":
            return
        number = self.item_number(row.get("item", ""), line)
        if number is None:
            return
        key = (label, number)
        item = self.items.setdefault(label, {}).setdefault(number, Group(line))
        self.merge(item, row, [*ITEM_COLUMNS, "topic"], line)
        children = self.children.setdefault(key, [])
        if kind in ("position", "commitment"):
            children.append((line, row))

    def item_number(self, text: str, line: int) -> int | None:
        try:
            number = int(text)
        except ValueError:
            number = 0
        if not 1 <= number <= 32767:
            self.error(line, "item", "Give the agenda item's number within the session: 1, 2, …")
            return None
        return number

    def merge(self, group: Group, row: dict[str, str], columns: Iterable[str], line: int) -> None:
        for column in columns:
            value = row.get(column, "")
            if not value:
                continue
            given = group.values.get(column)
            if given is None:
                group.values[column] = (value, line)
            elif given[0] != value:
                self.error(
                    line, column, f"Differs from line {given[1]} of the same session or item."
                )

    def build_session(self, label: str, group: Group, labels: set[str]) -> PlannedSession:
        values = {column: value for column, (value, _) in group.values.items()}
        lines = {column: line for column, (_, line) in group.values.items()}
        session = self.instance(Session, SESSION_COLUMNS, values, group.first_line, lines)
        codes = _split(values.get("units", ""))
        if not codes:
            self.error(group.first_line, "units", "Give the session's unit codes.")
        self.check_units(codes, lines.get("units", group.first_line))
        advocates = [_advocate_reference(part) for part in _split(values.get("advocates", ""))]
        for name, code in advocates:
            key = (name, code)
            if key not in self.plan.existing_advocates and key not in self.new_advocates:
                self.error(
                    lines["advocates"],
                    "advocates",
                    f"No advocate {name}{f' ({code})' if code else ''} in the record or in an "
                    "advocate row of this file.",
                )
        if len(set(advocates)) != len(advocates):
            self.error(lines["advocates"], "advocates", "An advocate is listed twice.")
        username = values.get("logged_by", "")
        if session is not None and username:
            session.logged_by = self.user(username, lines["logged_by"], "logged_by")
        planned = PlannedSession(label, session or Session(), codes, advocates)
        for number, item_group in sorted(self.items.get(label, {}).items()):
            planned.items.append(self.build_item(label, number, item_group, labels))
        return planned

    def build_item(self, label: str, number: int, group: Group, labels: set[str]) -> PlannedItem:
        values = {column: value for column, (value, _) in group.values.items()}
        lines = {column: line for column, (_, line) in group.values.items()}
        item = self.instance(AgendaItem, ITEM_COLUMNS, values, group.first_line, lines)
        topic_name = values.get("topic", "")
        if not topic_name:
            self.error(group.first_line, "topic", "Give the agenda item's topic.")
        elif len(topic_name) > 200:
            self.error(lines["topic"], "topic", "A topic's name has at most 200 characters.")
        planned = PlannedItem(item or AgendaItem(), topic_name)
        if item is not None:
            item.order = number
        orders: dict[str, set[int]] = {"position": set(), "commitment": set()}
        for line, row in self.children.get((label, number), []):
            kind = row["kind"].lower()
            model, columns = (
                (Position, POSITION_COLUMNS)
                if kind == "position"
                else (Commitment, COMMITMENT_COLUMNS)
            )
            made = self.instance(model, columns, row, line)
            siblings = planned.positions if kind == "position" else planned.commitments
            order = self.child_order(row.get("order", ""), len(siblings) + 1, line)
            if order in orders[kind]:
                self.error(line, "order", f"Another {kind} of this agenda item has this order.")
            orders[kind].add(order)
            if made is None:
                continue
            made.order = order
            if kind == "commitment":
                if not self.clean_commitment(made, line):
                    continue
                if row.get("owner"):
                    made.owner = self.user(row["owner"], line, "owner")
                target = row.get("followed_up_in", "")
                if target:
                    if target not in labels:
                        self.error(line, "followed_up_in", f"No session “{target}” in this file.")
                    planned.followed_up_in[len(siblings)] = target
            siblings.append(made)
        return planned

    def child_order(self, text: str, default: int, line: int) -> int:
        if not text:
            return default
        try:
            order = int(text)
        except ValueError:
            order = 0
        if not 1 <= order <= 32767:
            self.error(line, "order", "Give a whole number from 1.")
        return order

    def clean_commitment(self, commitment: Commitment, line: int) -> bool:
        try:
            commitment.clean()
        except ValidationError as error:
            columns = {field: column for column, field in COMMITMENT_COLUMNS.items()}
            for name, messages in error.message_dict.items():
                self.error(line, columns.get(name, name), " ".join(messages))
            return False
        return True

    def check_units(self, codes: list[str], line: int) -> None:
        for code in codes:
            if code not in self.plan.existing_units and code not in self.new_units:
                self.error(
                    line, "units", f"No unit {code} in the record or in a unit row of this file."
                )

    def user(self, username: str, line: int, column: str):
        user = self.plan.users.get(username)
        if user is None:
            self.error(line, column, f"No user {username}.")
        return user

    def instance(self, model, columns: dict[str, str], row, line: int, lines=None):
        """An unsaved instance from the row's columns, checked by the model's own fields; None
        (and the errors recorded) when a value does not fit."""
        values = {}
        ok = True
        for column, field_name in columns.items():
            model_field = model._meta.get_field(field_name)
            raw = row.get(column, "")
            where = (lines or {}).get(column, line)
            if raw == "":
                if model_field.has_default():
                    continue
                if model_field.null:
                    values[field_name] = None
                    continue
                if not model_field.blank:
                    self.error(where, column, "Required.")
                    ok = False
                    continue
            if isinstance(model_field, models.BooleanField):
                raw = BOOLEANS.get(raw.lower(), raw)
            try:
                values[field_name] = model_field.clean(raw, None)
            except ValidationError as error:
                self.error(where, column, " ".join(error.messages))
                ok = False
        return model(**values) if ok else None


# --- Writing ---------------------------------------------------------------------------------


def _stamp(obj: models.Model, by, reason: str) -> models.Model:
    """What django-simple-history writes on the object's history record: who, and why."""
    obj._history_user = by
    obj._change_reason = reason
    return obj


def import_record(plan: ImportPlan, *, by, file_name: str) -> ImportBatch:
    """Create everything the plan holds, all or nothing, as one import by `by`. A row the
    database refuses all the same (e.g. a topic made by someone else meanwhile) is a
    ValidationError, and nothing is saved."""
    if not plan.is_valid:
        raise ValidationError("The file has errors (or no rows): nothing was imported.")
    try:
        return _write(plan, by=by, file_name=file_name)
    except IntegrityError as error:
        raise ValidationError(
            f"The database refused a row ({error}); nothing was imported. Check the file again."
        ) from None


@transaction.atomic
def _write(plan: ImportPlan, *, by, file_name: str) -> ImportBatch:
    batch = ImportBatch.objects.create(
        file_name=file_name[:255], imported_by=by, row_count=plan.row_count
    )
    reason = f"Import {batch.pk}"
    created: dict[type[models.Model], list[int]] = {model: [] for model in CREATED_MODELS}

    def save(obj):
        _stamp(obj, by, reason).save()
        created[type(obj)].append(obj.pk)
        return obj

    units = dict(plan.existing_units)
    for unit in plan.units:
        units[unit.code] = save(unit)
    topics: dict[str, Topic] = {}  # the topics it creates, by slug

    def new_topic(topic: Topic, codes: list[str]) -> Topic:
        save(topic)
        topic.units.set(units[code] for code in codes)
        topics[slugify(topic.name)[:200]] = topic
        return topic

    for topic, codes in plan.topics:
        new_topic(topic, codes)

    def topic_for(name: str, codes: list[str]) -> Topic:
        # A topic named only by an item is made as operations.topic_named makes one: for the
        # session's units.
        found = plan.find_topic(name) or topics.get(slugify(name)[:200])
        return found or new_topic(Topic(name=name), codes)

    advocates = dict(plan.existing_advocates)
    for advocate, code in plan.advocates:
        advocate.unit = units.get(code)
        advocates[(advocate.name, code)] = save(advocate)

    def bulk(objs: list) -> None:
        """Rows of one model in a few INSERTs, their history records too (a row at a time,
        5,000 rows would take most of a minute)."""
        if objs:
            for obj in objs:
                _stamp(obj, by, reason)
            model = type(objs[0])
            bulk_create_with_history(
                objs, model, batch_size=BULK_SIZE, default_user=by, default_change_reason=reason
            )
            created[model].extend(obj.pk for obj in objs)

    # Each table's rows in the file's order, as a row-at-a-time import would number them.
    bulk([planned.session for planned in plan.sessions])
    sessions = {planned.label: planned.session for planned in plan.sessions}
    for planned in plan.sessions:
        # One session at a time: its history records the units (django-simple-history's
        # many-to-many history has no bulk form).
        planned.session.units.set(units[code] for code in planned.unit_codes)
    bulk(
        [
            Attendance(session=planned.session, advocate=advocates[key])
            for planned in plan.sessions
            for key in planned.advocates
        ]
    )
    planned_items = [(planned, item) for planned in plan.sessions for item in planned.items]
    for planned, planned_item in planned_items:
        planned_item.item.session = planned.session
        planned_item.item.topic = topic_for(planned_item.topic_name, planned.unit_codes)
    bulk([planned_item.item for _, planned_item in planned_items])
    follow_ups: list[tuple[Commitment, str]] = []
    for _, planned_item in planned_items:
        for row in [*planned_item.positions, *planned_item.commitments]:
            row.agenda_item = planned_item.item
        for index, label in planned_item.followed_up_in.items():
            follow_ups.append((planned_item.commitments[index], label))
    bulk([row for _, planned_item in planned_items for row in planned_item.positions])
    bulk([row for _, planned_item in planned_items for row in planned_item.commitments])
    for commitment, label in follow_ups:
        commitment.followed_up_in = sessions[label]
        _stamp(commitment, by, reason).save(update_fields=["followed_up_in"])
    # Bulk inserts send no signals: the items' search text is written here, in one UPDATE.
    AgendaItem.objects.filter(pk__in=created.get(AgendaItem, [])).refresh_search_text()

    batch.created = {model._meta.label_lower: pks for model, pks in created.items()}
    batch.created_sha256 = created_sha256(batch.created)
    batch.save(update_fields=["created", "created_sha256"])
    return batch


def created_sha256(created: dict[str, list[int]]) -> str:
    """A SHA-256 of the rows an import created as they are now (every field, and the units of
    its sessions and topics): any later change to one of them changes it."""
    digest = hashlib.sha256()
    for model in CREATED_MODELS:
        pks = created.get(model._meta.label_lower, [])
        fields = sorted(f.attname for f in model._meta.concrete_fields)
        for row in model._base_manager.filter(pk__in=pks).order_by("pk").values_list(*fields):
            digest.update(json.dumps(row, default=str).encode() + b"\n")
        for m2m in model._meta.many_to_many:
            if m2m.name != "units":
                continue
            through = m2m.remote_field.through
            source = m2m.m2m_field_name()
            target = m2m.m2m_reverse_field_name()
            links = through.objects.filter(**{f"{source}__in": pks}).order_by(
                f"{source}_id", f"{target}_id"
            )
            for link in links.values_list(f"{source}_id", f"{target}_id"):
                digest.update(json.dumps(link).encode() + b"\n")
    return digest.hexdigest()


# --- Rolling back ------------------------------------------------------------------------------


class RollbackRefused(Exception):
    """The import cannot be rolled back; the message says why."""


def references_from_outside(batch: ImportBatch) -> list[str]:
    """What refers to a row the import created without having been created by it (a document,
    an update, a later session's agenda item, a commitment followed up there...), in words."""
    found = []
    for model in CREATED_MODELS:
        pks = batch.created.get(model._meta.label_lower, [])
        if not pks:
            continue
        for relation in model._meta.related_objects:
            related = relation.related_model
            if relation.many_to_many and not relation.through._meta.auto_created:
                continue  # through a model of its own (attendance): that model's key is checked
            ours = batch.created.get(related._meta.label_lower, [])
            name = relation.field.name
            outside = related._base_manager.filter(**{f"{name}__in": pks}).exclude(pk__in=ours)
            count = outside.count()
            if count:
                found.append(
                    f"{count} {related._meta.verbose_name_plural} made since refer to its "
                    f"{model._meta.verbose_name_plural}"
                )
    return found


@transaction.atomic
def roll_back_import(batch: ImportBatch, *, by) -> None:
    """Delete everything the import created, as one change recorded in history by `by`.
    Refused (RollbackRefused, nothing changed) once any of it has been changed, or is referred
    to by something made since: roll back by hand then, in the admin."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.rolled_back_at is not None:
        raise RollbackRefused("This import has already been rolled back.")
    if created_sha256(batch.created) != batch.created_sha256:
        raise RollbackRefused(
            "Refused: rows this import created have been changed since (see their history). "
            "Nothing was rolled back."
        )
    outside = references_from_outside(batch)
    if outside:
        raise RollbackRefused("Refused: " + "; ".join(outside) + ". Nothing was rolled back.")
    reason = f"Rollback of import {batch.pk}"
    for model in reversed(CREATED_MODELS):
        pks = batch.created.get(model._meta.label_lower, [])
        rows = [_stamp(obj, by, reason) for obj in model._base_manager.filter(pk__in=pks)]
        # One collector for the model's rows (not a delete per row): a few queries per model,
        # and django-simple-history records each deletion from these very instances, stamped.
        collector = Collector(using=router.db_for_write(model))
        collector.collect(rows)
        collector.delete()
    batch.rolled_back_at = timezone.now()
    batch.rolled_back_by = by
    batch.save(update_fields=["rolled_back_at", "rolled_back_by"])


# --- Exporting -------------------------------------------------------------------------------


def template_dataset(example: bool = True) -> tablib.Dataset:
    """The template: the columns, and (with `example`) a few rows showing each kind."""
    dataset = tablib.Dataset(headers=COLUMN_NAMES, title="Import")
    if example:
        rows = [
            {"kind": "unit", "units": "008", "name": "Bargaining Unit 008"},
            {
                "kind": "topic",
                "topic": "Telework",
                "units": "008",
                "text": "The County's telework policy.",
            },
            {
                "kind": "advocate",
                "name": "Pat Example",
                "units": "008",
                "classification": "Social Worker",
            },
            {
                "kind": "position",
                "session": "2024-03-01",
                "date": "2024-03-01",
                "units": "008",
                "session_status": "held",
                "advocates": "Pat Example (008)",
                "item": "1",
                "topic": "Telework",
                "title": "Telework days",
                "party": "county",
                "position_kind": "proposal",
                "text": "Two telework days a week instead of three.",
            },
            {
                "kind": "position",
                "session": "2024-03-01",
                "item": "1",
                "party": "upe",
                "position_kind": "refusal",
                "text": "Three days, as the side letter says.",
            },
            {
                "kind": "commitment",
                "session": "2024-03-01",
                "item": "1",
                "party": "county",
                "text": "Send the telework survey results.",
                "due_date": "2024-04-01",
            },
        ]
        for row in rows:
            dataset.append([row.get(name, "") for name in COLUMN_NAMES])
    return dataset


def template_book(dataset: tablib.Dataset) -> tablib.Databook:
    """The XLSX: the rows on the first sheet (the one imported), the columns explained on a
    second."""
    guide = tablib.Dataset(headers=["column", "what it holds"], title="Columns")
    for name, meaning in COLUMNS:
        guide.append([name, meaning])
    return tablib.Databook([dataset, guide])


def spreadsheet_bytes(dataset: tablib.Dataset, fmt: str) -> bytes:
    if fmt == "xlsx":
        return template_book(dataset).export("xlsx")
    return dataset.export("csv").encode("utf-8")


def _codes(units) -> str:
    return f"{LIST_SEPARATOR} ".join(unit.code for unit in sorted(units, key=lambda u: u.code))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def export_record() -> tablib.Dataset:
    """The whole record in the template, in the order an import creates it (so importing the
    export into an empty database gives the same rows, primary keys included). A constant
    number of queries."""
    dataset = template_dataset(example=False)

    def add(**values):
        dataset.append([export_cell(values.get(name, "")) for name in COLUMN_NAMES])

    for unit in BargainingUnit.objects.order_by("pk"):
        add(kind="unit", units=unit.code, name=unit.name, active=unit.active)
    for topic in Topic.objects.order_by("pk").prefetch_related("units"):
        add(
            kind="topic",
            topic=topic.name,
            text=topic.description,
            units=_codes(topic.units.all()),
            topic_status=topic.status,
        )
    for advocate in Advocate.objects.order_by("pk").select_related("unit"):
        add(
            kind="advocate",
            name=advocate.name,
            units=advocate.unit.code if advocate.unit else "",
            classification=advocate.classification,
            active=advocate.active,
        )
    sessions = (
        Session.objects.order_by("pk")
        .select_related("logged_by")
        .prefetch_related(
            "units",
            Prefetch("attendances", Attendance.objects.select_related("advocate__unit")),
            Prefetch(
                "agenda_items",
                AgendaItem.objects.select_related("topic").prefetch_related(
                    "positions",
                    Prefetch(
                        "commitments",
                        Commitment.objects.select_related("owner", "followed_up_in"),
                    ),
                ),
            ),
        )
    )
    sessions = list(sessions)
    labels = _session_labels(sessions)
    for session in sessions:
        advocates = f"{LIST_SEPARATOR} ".join(
            f"{a.advocate.name} ({a.advocate.unit.code})" if a.advocate.unit else a.advocate.name
            for a in session.attendances.all()
        )
        session_values = {
            "session": labels[session.pk],
            **{column: getattr(session, name) for column, name in SESSION_COLUMNS.items()},
            "units": _codes(session.units.all()),
            "advocates": advocates,
            "logged_by": session.logged_by.get_username() if session.logged_by else "",
        }
        items = sorted(session.agenda_items.all(), key=lambda item: (item.order, item.pk))
        if not items:
            add(kind="session", **session_values)
        for item in items:
            item_values = {
                **session_values,
                "item": item.order,
                "topic": item.topic.name,
                **{column: getattr(item, name) for column, name in ITEM_COLUMNS.items()},
            }
            positions = item.positions.all()
            commitments = item.commitments.all()
            if not positions and not commitments:
                add(kind="item", **item_values)
            for position in positions:
                add(
                    kind="position",
                    **item_values,
                    order=position.order,
                    **{c: getattr(position, n) for c, n in POSITION_COLUMNS.items()},
                )
            for commitment in commitments:
                add(
                    kind="commitment",
                    **item_values,
                    order=commitment.order,
                    **{c: getattr(commitment, n) for c, n in COMMITMENT_COLUMNS.items()},
                    owner=commitment.owner.get_username() if commitment.owner else "",
                    followed_up_in=labels.get(commitment.followed_up_in_id, ""),
                )
    return dataset


def _session_labels(sessions: list[Session]) -> dict[int, str]:
    """Each session's date, with "(2)", "(3)" after it for a second session on the same day."""
    labels: dict[int, str] = {}
    seen: dict[datetime.date, int] = {}
    for session in sorted(sessions, key=lambda s: (s.date, s.pk)):
        seen[session.date] = seen.get(session.date, 0) + 1
        count = seen[session.date]
        labels[session.pk] = session.date.isoformat() + (f" ({count})" if count > 1 else "")
    return labels
