"""Realistic synthetic records for load and scale tests (`generate_data --sessions N`, or
`generate_data --commitments 100000` for as many sessions as that takes, about 30,000).

Rows are written with bulk_create in batches, and so is each one's django-simple-history
"created" row (no user, the reason "generate_data (synthetic)"), so the history tables are as
large as the record's, as they would be in use. Real edits made afterwards are recorded as usual.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from sessions.models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    Party,
    Position,
    Session,
    Topic,
)
from upe_confer.versions import rows_changed

from .operations import generate_update, publish_update, withdraw_update

BATCH = 2000

UNITS = {
    "001": "Attorneys",
    "002": "Clerical and Office Services",
    "003": "Correctional Officers",
    "005": "Social Services Workers",
    "006": "Eligibility Specialists",
    "008": "Child Protective Services",
    "010": "Public Health Nurses",
    "011": "Building Trades",
    "014": "Engineers and Planners",
    "016": "Library Workers",
    "021": "Probation Officers",
    "024": "Supervising Social Workers",
}

TOPIC_SUBJECTS = [
    "Telework",
    "Caseload standards",
    "Overtime distribution",
    "Parking",
    "Training modules",
    "Safety equipment",
    "Office relocation",
    "Shift bidding",
    "Vehicle use",
    "Bilingual pay",
    "Workstation ergonomics",
    "On-call rotation",
    "Hiring freeze",
    "Records system rollout",
    "Mileage reimbursement",
    "Performance evaluations",
    "Vacancy backfill",
    "Language access",
]
TOPIC_CONTEXTS = ["policy", "pilot", "implementation", "review"]

FIRST_NAMES = [
    "Maria", "James", "Linh", "Aisha", "Robert", "Guadalupe", "Kevin", "Priya", "Darnell",
    "Svetlana", "Thomas", "Mei", "Carlos", "Fatima", "Jennifer", "Oluwaseun",
]  # fmt: skip
LAST_NAMES = [
    "Nguyen", "Garcia", "Johnson", "Patel", "Williams", "Hernandez", "Kim", "Okafor",
    "Smith", "Ivanova", "Lopez", "Chen", "Brown", "Haddad", "Davis", "Singh",
]  # fmt: skip

COUNTY_PROPOSALS = [
    "The County proposed moving the duties between classifications for a six-month pilot.",
    "The County proposed a phased rollout beginning with volunteer staff.",
    "The County proposed revising the policy effective the next pay period.",
]
UPE_CONCERNS = [
    "UPE raised concerns about workload for staff absorbing the new duties.",
    "UPE asked that no one be required to participate without training.",
    "UPE questioned whether the change fell within the scope of the classification.",
]
COUNTER_STATEMENTS = [
    "UPE countered that participation stay voluntary until the pilot is reviewed.",
    "The County responded that it would consider pairing staff during the transition.",
    "The County agreed to share the data on outcomes before any expansion.",
]
COMMITMENTS = {
    Party.COUNTY: [
        "Provide the list of volunteers and their training dates.",
        "Share caseload data for the last two quarters.",
        "Send the revised policy draft to UPE for review.",
        "Schedule a follow-up meeting to discuss next steps.",
        "Confirm in writing that participation is voluntary.",
    ],
    Party.UPE: [
        "Survey members about the proposed schedule.",
        "Send the County a list of questions from the worksite meetings.",
        "Name advocates for the implementation committee.",
    ],
}
TRIGGERS = [
    "after the volunteers finish report-writing training",
    "following the completion of training",
    "after the pilot's first review",
    "once the new system goes live",
]


@dataclass
class Summary:
    units: int = 0
    topics: int = 0
    sessions: int = 0
    agenda_items: int = 0
    positions: int = 0
    commitments: int = 0
    attendances: int = 0
    updates: str = "not generated (members.Update does not exist yet)"


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def ensure_units() -> list[BargainingUnit]:
    for code, name in UNITS.items():
        BargainingUnit.objects.get_or_create(code=code, defaults={"name": name})
    return list(BargainingUnit.objects.filter(code__in=UNITS))


def ensure_topics(rng: random.Random, units: list[BargainingUnit]) -> dict[int, list[Topic]]:
    """Topics by unit id: every unit has a handful of topics of its own."""
    names = [f"{subject} {context}" for subject in TOPIC_SUBJECTS for context in TOPIC_CONTEXTS]
    existing = set(Topic.objects.filter(name__in=names).values_list("name", flat=True))
    Topic.objects.bulk_create(
        [
            Topic(name=name, slug=name.lower().replace(" ", "-"), description=f"{name}.")
            for name in names
            if name not in existing
        ]
    )
    topics = list(Topic.objects.filter(name__in=names).order_by("name"))
    by_unit: dict[int, list[Topic]] = {}
    links = []
    for unit in units:
        chosen = rng.sample(topics, 8)
        by_unit[unit.pk] = chosen
        links += [Topic.units.through(topic_id=t.pk, bargainingunit_id=unit.pk) for t in chosen]
    Topic.units.through.objects.bulk_create(links, ignore_conflicts=True)
    return by_unit


def ensure_owners() -> list:
    User = get_user_model()
    owners = []
    for n in range(1, 9):
        user, created = User.objects.get_or_create(
            username=f"synthetic-agent-{n}",
            defaults={"email": f"synthetic-agent-{n}@upe.example", "is_staff": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        owners.append(user)
    return owners


def ensure_advocates(rng: random.Random, units: list[BargainingUnit]) -> dict[int, list[Advocate]]:
    wanted = []
    for unit in units:
        for _ in range(6):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            wanted.append(Advocate(name=name, unit=unit, classification=UNITS[unit.code]))
    Advocate.objects.bulk_create(wanted, ignore_conflicts=True)
    by_unit: dict[int, list[Advocate]] = {}
    for advocate in Advocate.objects.filter(unit__in=units):
        by_unit.setdefault(advocate.unit_id, []).append(advocate)
    return by_unit


def commitment_state(rng: random.Random, made_on: datetime.date, today: datetime.date) -> dict:
    """The fields of a commitment made on `made_on`, in one of every state the ledger knows."""
    state = rng.choices(
        ["open_dated", "awaiting", "triggered", "kept", "kept_late", "broken", "withdrawn"],
        weights=[20, 10, 8, 30, 10, 14, 8],
    )[0]
    age = (today - made_on).days
    if state == "awaiting":
        return {
            "trigger": rng.choice(TRIGGERS),
            "trigger_offset_days": rng.choice([None, 14, 30]),
        }
    if state == "triggered":
        occurred = made_on + days(rng.randint(0, max(age, 0)))
        offset = rng.choice([None, 14, 30])
        return {
            "trigger": rng.choice(TRIGGERS),
            "trigger_offset_days": offset,
            "trigger_occurred_on": occurred,
            "trigger_note": "Training completed.",
            "due_date": occurred + days(offset or 0),
        }
    due = made_on + days(rng.randint(7, 90))
    if state == "open_dated":
        return {"due_date": due}
    if due > today:  # Too early to have been kept late or broken: keep it on time.
        state = rng.choice(["kept", "withdrawn"])
    resolved = {
        "kept": min(due, today) - days(rng.randint(0, 5)),
        "kept_late": due + days(rng.randint(1, 30)),
        "broken": due + days(rng.randint(1, 30)),
        "withdrawn": made_on + days(rng.randint(1, 20)),
    }[state]
    resolved = max(min(resolved, today), made_on)
    status = {"kept_late": Commitment.Status.KEPT}.get(state, state)
    return {
        "due_date": due,
        "status": status,
        "resolved_on": resolved,
        "resolution_note": f"Recorded as {status} at a later session.",
    }


# Synthetic rows' history says what they are: made in bulk by this command, by nobody.
HISTORY_REASON = "generate_data (synthetic)"


def with_history(model: type, objs: list) -> None:
    """Write `objs` and their "created" history rows: with COPY on PostgreSQL (the ids taken
    from the table's sequence first, so rows made later can point at these), elsewhere with
    bulk_create in batches."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        if hasattr(model, "history"):
            model.history.bulk_history_create(
                objs,
                batch_size=BATCH,
                default_change_reason=HISTORY_REASON,
                default_date=timezone.now(),
            )
        return
    now = timezone.now()
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    fields = model._meta.concrete_fields
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
        elif field.is_relation:
            # Set from the related object, whose id was only just taken (rows made earlier).
            for obj in objs:
                if getattr(obj, field.attname) is None and field.is_cached(obj):
                    related = field.get_cached_value(obj)
                    setattr(obj, field.attname, related.pk if related else None)
    copy_rows(
        table, [f.column for f in fields], ([getattr(o, f.attname) for f in fields] for o in objs)
    )
    # COPY sends no signal: what watches the model's rows (cached member pages) is told here.
    rows_changed.send(sender=model)
    if not hasattr(model, "history"):
        return
    history = model.history.model
    special = {
        "history_date": now,
        "history_change_reason": HISTORY_REASON,
        "history_type": "+",
        "history_user_id": None,
    }
    history_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    copy_rows(
        history._meta.db_table,
        [f.column for f in history_fields],
        (
            [
                special[f.attname] if f.attname in special else getattr(o, f.attname)
                for f in history_fields
            ]
            for o in objs
        ),
    )


def copy_rows(table: str, columns: list[str], rows) -> None:
    """PostgreSQL's COPY FROM STDIN: rows of Python values, typed by psycopg."""
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


@transaction.atomic
def generate(
    sessions: int | None = None,
    seed: int = 2026,
    today: datetime.date | None = None,
    updates: int = 200,
    commitments: int | None = None,
) -> Summary:
    """`sessions` sessions; or, with `commitments`, as many sessions as it takes to make exactly
    that many commitments (about 3.3 a session)."""
    if sessions is None and commitments is None:
        raise ValueError("Say how many sessions or how many commitments.")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    summary = Summary()
    units = ensure_units()
    topics_by_unit = ensure_topics(rng, units)
    owners = ensure_owners()
    advocates_by_unit = ensure_advocates(rng, units)
    summary.units, summary.topics = len(units), sum(map(len, topics_by_unit.values()))

    # Sessions spread over the six years up to two months from now, each planned with its
    # agenda, positions, commitments and attendance, until there are enough.
    first_day = today - days(6 * 365)
    span = (today + days(60) - first_day).days
    new_sessions, links, items, attendances, positions, new_commitments = [], [], [], [], [], []

    def enough() -> bool:
        if commitments is not None:
            return len(new_commitments) >= commitments
        return len(new_sessions) >= sessions

    while not enough():
        day = first_day + days(rng.randint(0, span))
        if day > today:
            status = Session.Status.SCHEDULED
        else:
            status = rng.choices([Session.Status.HELD, Session.Status.CANCELLED], [95, 5])[0]
        unit_list = [rng.choice(units)]
        if rng.random() < 0.15:
            unit_list.append(rng.choice(units))
        unit_list = list({unit.pk: unit for unit in unit_list}.values())
        session = Session(
            date=day,
            start_time=datetime.time(rng.choice([9, 10, 13, 14]), rng.choice([0, 30])),
            location=rng.choice(["County Administration Center", "Zoom", "UPE office"]),
            status=status,
            summary="The parties met to discuss the items on the agenda.",
            county_attendees="Labor Relations Officer\nProgram Manager",
            upe_attendees="Business agent",
        )
        new_sessions.append(session)
        links.append((session, unit_list))
        topics = topics_by_unit[unit_list[0].pk]
        for order, topic in enumerate(rng.sample(topics, rng.randint(1, 3)), start=1):
            item = AgendaItem(
                session=session,
                topic=topic,
                order=order,
                title=topic.name,
                discussion="The County presented the item and UPE asked questions.",
                outcome="The parties agreed to continue the discussion.",
            )
            items.append(item)
            statements = [
                (Party.COUNTY, Position.Kind.PROPOSAL, rng.choice(COUNTY_PROPOSALS)),
                (Party.UPE, Position.Kind.CONCERN, rng.choice(UPE_CONCERNS)),
            ]
            if rng.random() < 0.5:
                party = rng.choice([Party.COUNTY, Party.UPE])
                statements.append((party, Position.Kind.COUNTER, rng.choice(COUNTER_STATEMENTS)))
            positions += [
                Position(agenda_item=item, order=n, party=party, kind=kind, statement=statement)
                for n, (party, kind, statement) in enumerate(statements, start=1)
            ]
            if status != Session.Status.HELD:
                continue
            for n in range(1, rng.choice([1, 1, 2, 2, 3]) + 1):
                party = rng.choices([Party.COUNTY, Party.UPE], [75, 25])[0]
                new_commitments.append(
                    Commitment(
                        agenda_item=item,
                        order=n,
                        party=party,
                        description=rng.choice(COMMITMENTS[party]),
                        owner=rng.choice(owners),
                        **commitment_state(rng, day, today),
                    )
                )
        if status == Session.Status.HELD:
            pool = advocates_by_unit.get(unit_list[0].pk, [])
            for advocate in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
                attendances.append(Attendance(session=session, advocate=advocate))
    if commitments is not None:
        del new_commitments[commitments:]  # the last session's agenda may make one or two more

    with_history(Session, new_sessions)
    Session.units.through.objects.bulk_create(
        [
            Session.units.through(session_id=session.pk, bargainingunit_id=unit.pk)
            for session, unit_list in links
            for unit in unit_list
        ],
        batch_size=BATCH,
    )
    with_history(AgendaItem, items)
    with_history(Attendance, attendances)
    with_history(Position, positions)
    with_history(Commitment, new_commitments)
    if items:  # bulk_create sends no signals; the new items are the highest ids
        AgendaItem.objects.filter(pk__gte=min(item.pk for item in items)).refresh_search_text()
    summary.sessions, summary.agenda_items = len(new_sessions), len(items)
    summary.attendances, summary.positions = len(attendances), len(positions)
    summary.commitments = len(new_commitments)
    summary.updates = generate_updates(new_sessions, rng, limit=updates)
    return summary


def generate_updates(sessions: list[Session], rng: random.Random, limit: int) -> str:
    """Member updates for up to `limit` held sessions: most published, some drafts, withdrawn.

    Writing an update's text takes far longer than a bulk insert, hence the limit.
    """
    held = [s for s in sessions if s.status == Session.Status.HELD][:limit]
    for session in held:
        update = generate_update(session)
        roll = rng.random()
        if roll < 0.8:
            publish_update(update, at=timezone.now())
        elif roll < 0.9:
            withdraw_update(update)
    return f"{len(held)} generated from held sessions (80% published, 10% withdrawn, 10% drafts)"
