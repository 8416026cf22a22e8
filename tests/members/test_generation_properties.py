"""Properties of every generated update, over many generated sessions (hypothesis): any mix of
units, topics or none, positions, commitments in every status with dates, triggers, offsets and
no date, advocates of known and unknown units, or none.

- every member-facing fact of the record is in the text, the exchange in the order recorded;
- nothing typed into an internal field reaches the update, a member page, a feed or a search;
- the prose is clean: no "1 days", no "discuss .", no " ,", no doubled spaces, one comma style.
"""

import datetime
import html
import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import Update
from members.operations import generate_update, publish_update
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
from tests.kept_pages import forget_kept_pages
from upe_confer.text import long_date

pytestmark = pytest.mark.django_db

SECRET = "Confidential"  # every internal field holds it, with a number; no published text does
TODAY = datetime.date(2024, 6, 1)
# Plain words, and some that mean something in Markdown: the text must read as typed.
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "a*b*", "x_y_", "[z](w)", "<i>", "`c`"]


@dataclass
class Facts:
    """What the generated update must say, and the order some of it must come in."""

    texts: list[str] = field(default_factory=list)
    in_order: list[str] = field(default_factory=list)
    counter: int = 0

    def fact(self, draw, prefix: str = "Fact") -> str:
        self.counter += 1
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
        return f"{prefix} {self.counter} {' '.join(words)}."

    def secret(self) -> str:
        self.counter += 1
        return f"{SECRET} {self.counter}"


@st.composite
def commitment_data(draw, facts: Facts) -> dict:
    status = draw(st.sampled_from(Commitment.Status.values))
    when = draw(st.sampled_from(["date", "trigger", "none"]))
    data = {
        "party": draw(st.sampled_from(Party.values)),
        "description": facts.fact(draw, "Promise"),
        "status": status,
        "resolution_note": facts.secret(),
        "due_date": None,
        "trigger": "",
        "trigger_offset_days": None,
    }
    if when == "date":
        data["due_date"] = TODAY + datetime.timedelta(days=draw(st.integers(-60, 60)))
    elif when == "trigger":
        data["trigger"] = f"after the {draw(st.sampled_from(WORDS))} training"
        data["trigger_offset_days"] = draw(st.sampled_from([None, -30, -1, 0, 1, 2, 30]))
        data["trigger_note"] = facts.secret()
    if status != Commitment.Status.OPEN:
        data["resolved_on"] = TODAY - datetime.timedelta(days=draw(st.integers(0, 30)))
    return data


@st.composite
def sessions(draw):
    facts = Facts()
    optional = st.booleans()
    session = {
        "units": draw(st.lists(st.sampled_from(["005", "008", "011"]), unique=True, max_size=3)),
        "summary": facts.fact(draw, "Summary") if draw(optional) else "",
        "next_steps": facts.fact(draw, "Next") if draw(optional) else "",
        "internal_notes": facts.secret(),
        "location": facts.secret(),
        "county_attendees": facts.secret(),
        "advocates": [
            (f"Advocate {facts.fact(draw, 'Name')[:-1]}", draw(st.sampled_from([None, "005"])))
            for _ in range(draw(st.integers(0, 4)))
        ],
        "items": [],
    }
    for _ in range(draw(st.integers(0, 3))):
        item = {
            "topic": draw(st.sampled_from(["Overtime", "Parking", "Safety"])),
            "title": facts.fact(draw, "Title"),
            "internal_notes": facts.secret(),
            "positions": [
                (
                    draw(st.sampled_from(Party.values)),
                    draw(st.sampled_from(Position.Kind.values)),
                    facts.fact(draw, "Said"),
                )
                for _ in range(draw(st.integers(0, 4)))
            ],
            "commitments": draw(st.lists(commitment_data(facts), max_size=3)),
        }
        for key in ("discussion", "outcome", "member_guidance", "union_view"):
            item[key] = facts.fact(draw, key.replace("_", " ").title()) if draw(optional) else ""
        session["items"].append(item)
    return session


def record(data: dict) -> Session:
    units = {code: BargainingUnit.objects.get_or_create(code=code)[0] for code in data["units"]}
    session = Session.objects.create(
        date=TODAY,
        status=Session.Status.HELD,
        **{
            key: data[key]
            for key in ("summary", "next_steps", "internal_notes", "location", "county_attendees")
        },
    )
    session.units.set(units.values())
    for name, code in data["advocates"]:
        unit = BargainingUnit.objects.get_or_create(code=code)[0] if code else None
        Attendance.objects.create(
            session=session, advocate=Advocate.objects.create(name=name, unit=unit)
        )
    for order, item_data in enumerate(data["items"], 1):
        item = AgendaItem.objects.create(
            session=session,
            order=order,
            topic=Topic.objects.get_or_create(name=item_data["topic"])[0],
            **{
                key: item_data[key]
                for key in (
                    "title",
                    "discussion",
                    "outcome",
                    "member_guidance",
                    "union_view",
                    "internal_notes",
                )
            },
        )
        for n, (party, kind, statement) in enumerate(item_data["positions"], 1):
            Position.objects.create(
                agenda_item=item, order=n, party=party, kind=kind, statement=statement
            )
        for n, commitment in enumerate(item_data["commitments"], 1):
            Commitment.objects.create(agenda_item=item, order=n, **commitment)
    return session


def expected_facts(data: dict) -> tuple[list[str], list[str]]:
    """(facts the text must carry, facts that must come in this order)."""
    texts, ordered = [], []
    texts += [data[key] for key in ("summary", "next_steps") if data[key]]
    texts += [name for name, _ in data["advocates"]]
    for item in data["items"]:
        ordered.append(item["title"])
        texts.append(item["topic"])
        texts += [item[key] for key in ("discussion", "outcome", "member_guidance", "union_view")]
        ordered += [statement for _, _, statement in item["positions"]]
        for commitment in item["commitments"]:
            texts.append(commitment["description"])
            texts.append(standing(commitment))
    return [text for text in texts if text], ordered


def standing(commitment: dict) -> str:
    """How the update must say where a commitment stands."""
    if commitment["status"] != Commitment.Status.OPEN:
        return f"({commitment['status']} on {long_date(commitment['resolved_on'])})"
    if commitment["due_date"]:
        return f"(due by {long_date(commitment['due_date'])})"
    if not commitment["trigger"]:
        return "(no date given)"
    days = commitment["trigger_offset_days"]
    event = commitment["trigger"].removeprefix("after ")
    if not days:
        return f"(due {commitment['trigger']})"
    unit = "day" if abs(days) == 1 else "days"
    return f"(due {abs(days)} {unit} {'after' if days > 0 else 'before'} {event})"


def assert_clean_prose(text: str) -> None:
    assert "1 days" not in text
    assert "discuss ." not in text and "discuss  " not in text
    assert " ," not in text and " ." not in text.replace(" ...", "")
    assert not re.search(r"\S  +\S", text), "a doubled space"
    assert "\\\n\n" not in text, "a line break at the end of a paragraph"


def assert_serial_comma(text: str, names: list[str]) -> None:
    if len(names) >= 3:
        assert f"{names[-2]}, and {names[-1]}" in text


RUNS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@RUNS
@given(data=sessions())
def test_the_update_carries_every_member_facing_fact_in_order_and_nothing_internal(data):
    with transaction.atomic():
        update = generate_update(record(data))
        # What a member reads: the rendered page's text.
        page_text = html.unescape(re.sub(r"<[^>]+>", "", update.body_html))
        texts, ordered = expected_facts(data)
        for text in texts:
            assert text in page_text, text
        places = [page_text.index(text) for text in ordered]
        assert places == sorted(places), "told out of order"
        assert SECRET not in update.title + update.summary + update.body
        assert_clean_prose(update.body)
        assert_clean_prose(update.summary)
        assert_serial_comma(page_text, [name for name, _ in data["advocates"]])
        transaction.set_rollback(True)


@settings(RUNS, max_examples=15)
@given(data=sessions())
def test_no_internal_text_on_any_member_page_feed_or_search(client, data):
    with transaction.atomic():
        forget_kept_pages()
        session = record(data)
        update = generate_update(session)
        publish_update(update, at=timezone.now() - datetime.timedelta(minutes=1))
        assert Update.objects.published().filter(pk=update.pk).exists()
        pages = [
            update.get_absolute_url(),
            reverse("members:update_list"),
            reverse("members:feed"),
            reverse("members:search") + "?q=" + update.title.split()[-1],
        ]
        pages += [reverse("members:unit_detail", args=[code]) for code in data["units"]]
        pages += [reverse("members:topic_detail", args=[t.slug]) for t in update.topics.all()]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            assert SECRET not in response.content.decode(), url
        # Searching for what only internal fields hold finds nothing.
        found = client.get(reverse("members:search"), {"q": SECRET}).context["page_obj"]
        assert not found.object_list
        transaction.set_rollback(True)
