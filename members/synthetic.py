"""Realistic synthetic records for load and scale tests (`generate_data --sessions N`).

Rows are written with bulk_create, in batches, without django-simple-history records: the data
is synthetic (no person made these changes, so a history saying someone did would be false) and
writing a history row per record would double the time and the size of the database. Real edits
made afterwards through the admin are recorded as usual. `bulk_create_with_history` exists if a
load test ever needs history tables of a realistic size.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
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


@transaction.atomic
def generate(
    sessions: int,
    seed: int = 2026,
    today: datetime.date | None = None,
    updates: int = 200,
) -> Summary:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    summary = Summary()
    units = ensure_units()
    topics_by_unit = ensure_topics(rng, units)
    owners = ensure_owners()
    advocates_by_unit = ensure_advocates(rng, units)
    summary.units, summary.topics = len(units), sum(map(len, topics_by_unit.values()))

    # Sessions spread over the six years up to two months from now.
    first_day = today - days(6 * 365)
    span = (today + days(60) - first_day).days
    new_sessions, session_units = [], []
    for _ in range(sessions):
        day = first_day + days(rng.randint(0, span))
        if day > today:
            status = Session.Status.SCHEDULED
        else:
            status = rng.choices([Session.Status.HELD, Session.Status.CANCELLED], [95, 5])[0]
        unit_list = [rng.choice(units)]
        if rng.random() < 0.15:
            unit_list.append(rng.choice(units))
        new_sessions.append(
            Session(
                date=day,
                start_time=datetime.time(rng.choice([9, 10, 13, 14]), rng.choice([0, 30])),
                location=rng.choice(["County Administration Center", "Zoom", "UPE office"]),
                status=status,
                summary="The parties met to discuss the items on the agenda.",
                county_attendees="Labor Relations Officer\nProgram Manager",
                upe_attendees="Business agent",
            )
        )
        session_units.append(list({unit.pk: unit for unit in unit_list}.values()))
    Session.objects.bulk_create(new_sessions, batch_size=BATCH)
    summary.sessions = len(new_sessions)

    links, items, attendances = [], [], []
    for session, unit_list in zip(new_sessions, session_units, strict=True):
        links += [
            Session.units.through(session_id=session.pk, bargainingunit_id=u.pk) for u in unit_list
        ]
        topics = topics_by_unit[unit_list[0].pk]
        for order, topic in enumerate(rng.sample(topics, rng.randint(1, 3)), start=1):
            items.append(
                AgendaItem(
                    session=session,
                    topic=topic,
                    order=order,
                    title=topic.name,
                    discussion="The County presented the item and UPE asked questions.",
                    outcome="The parties agreed to continue the discussion.",
                )
            )
        if session.status == Session.Status.HELD:
            pool = advocates_by_unit.get(unit_list[0].pk, [])
            for advocate in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
                attendances.append(Attendance(session=session, advocate=advocate))
    Session.units.through.objects.bulk_create(links, batch_size=BATCH)
    AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    Attendance.objects.bulk_create(attendances, batch_size=BATCH)
    summary.agenda_items, summary.attendances = len(items), len(attendances)

    positions, commitments = [], []
    for item in items:
        session = item.session
        statements = [
            (Party.COUNTY, Position.Kind.PROPOSAL, rng.choice(COUNTY_PROPOSALS)),
            (Party.UPE, Position.Kind.CONCERN, rng.choice(UPE_CONCERNS)),
        ]
        if rng.random() < 0.5:
            party = rng.choice([Party.COUNTY, Party.UPE])
            statements.append((party, Position.Kind.COUNTER, rng.choice(COUNTER_STATEMENTS)))
        for order, (party, kind, statement) in enumerate(statements, start=1):
            positions.append(
                Position(agenda_item=item, order=order, party=party, kind=kind, statement=statement)
            )
        if session.status != Session.Status.HELD:
            continue
        for order in range(1, rng.choice([1, 1, 2, 2, 3]) + 1):
            party = rng.choices([Party.COUNTY, Party.UPE], [75, 25])[0]
            commitments.append(
                Commitment(
                    agenda_item=item,
                    order=order,
                    party=party,
                    description=rng.choice(COMMITMENTS[party]),
                    owner=rng.choice(owners),
                    **commitment_state(rng, session.date, today),
                )
            )
    Position.objects.bulk_create(positions, batch_size=BATCH)
    Commitment.objects.bulk_create(commitments, batch_size=BATCH)
    if items:  # bulk_create sends no signals; the new items are the highest ids
        AgendaItem.objects.filter(pk__gte=min(item.pk for item in items)).refresh_search_text()
    summary.positions, summary.commitments = len(positions), len(commitments)
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
