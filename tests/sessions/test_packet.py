"""The evidence packet's PDF (sessions/packet.py): every fact of both seed articles in order, the
exhibits with their SHA-256, page numbers, a stable fingerprint, internal notes only when chosen.

Rendering a PDF takes about a second: the packets are rendered once for the module, from the
demo record in a transaction that is rolled back, and the tests read the text pypdf extracts."""

import datetime
import io
import re

import pytest
import time_machine
from django.db import transaction
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from members.demo import DEMO_DOCUMENT_TITLE, SESSIONS, load_demo
from sessions.models import AgendaItem, Document, Session
from sessions.packet import fingerprint as fingerprint_of
from sessions.packet import packet_facts, packet_sessions, render_pdf
from tests.factories import (
    AgendaItemFactory,
    CommitmentFactory,
    SessionFactory,
    UserFactory,
)
from upe_confer.roles import Role, setup_roles
from upe_confer.text import long_date

SESSION_NOTE = "Internal: the County's counsel arrived late and left early."
ITEM_NOTE = "Internal: ask the chapter chair about pairing complaints."


def text_of(pdf: bytes) -> str:
    """The PDF's text with every run of white space made one space (lines wrap anywhere)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo record's packets (both sessions, every item), without and with internal notes,
    rendered once; the record itself is rolled back."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        sessions = load_demo()
        groups = setup_roles()
        staff = UserFactory(username="staff", first_name="Pat", last_name="Staffer")
        staff.groups.add(groups[Role.STAFF])
        Session.objects.filter(pk=sessions[0].pk).update(internal_notes=SESSION_NOTE)
        AgendaItem.objects.filter(session=sessions[0], order=2).update(internal_notes=ITEM_NOTE)
        ids = [session.pk for session in packet_sessions(staff, sessions=sessions)]
        plain = packet_facts(ids)
        with_notes = packet_facts(ids, include_internal_notes=True)
        document = Document.objects.get(title=DEMO_DOCUMENT_TITLE)
        now = timezone.now()
        plain_pdf, plain_pages = render_pdf(plain, produced_by=staff, produced_at=now)
        notes_pdf, _ = render_pdf(with_notes, produced_by=staff, produced_at=now)
        result = {
            "ids": ids,
            "plain": plain,
            "plain_again": packet_facts(ids),
            "with_notes": with_notes,
            "plain_text": text_of(plain_pdf),
            "plain_pages": plain_pages,
            "notes_text": text_of(notes_pdf),
            "sha256": document.sha256,
        }
        transaction.set_rollback(True)
    return result


def demo_facts_in_order() -> list[str]:
    """Every fact of both seed articles, as recorded by members/demo.py, in the article's order."""
    facts = []
    for session in SESSIONS:
        facts.append(long_date(session["date"]))
        facts += session["advocates"]
        for item in session["agenda"]:
            facts.append(item["title"])
            if item["discussion"]:
                facts.append(item["discussion"])
            facts += [statement for _party, _kind, statement in item["positions"]]
            facts += [item[key] for key in ("member_guidance", "union_view") if item[key]]
            for _party, description, _due, trigger in item["commitments"]:
                facts += [description, trigger] if trigger else [description]
        if session["next_steps"]:
            facts.append(session["next_steps"])
    return facts


def test_the_packet_holds_every_fact_of_both_seeds_in_order(demo):
    text = demo["plain_text"]
    # The session pages start after the chronology (which names the items too).
    position = text.index("Session 1: January 17, 2020")
    for fact in demo_facts_in_order():
        found = text.find(fact, position)
        assert found >= 0, f"missing or out of order: {fact!r}"
        position = found
    assert text.index("Session 2: September 15, 2023") > text.index("Session 1: January 17, 2020")


def test_the_packet_says_who_spoke_and_how(demo):
    text = demo["plain_text"]
    assert "County agreed: to wait until the volunteers have undergone" in text
    assert "UPE raised a concern: The safety of our members" in text
    assert "County refused: It was emphatic" in text
    assert "Status: Open" in text


def test_the_cover_names_union_topic_units_range_and_producer(demo):
    cover = demo["plain_text"][: demo["plain_text"].index("Chronology")]
    assert "United Public Employees, Sacramento County" in cover
    assert "Bargaining units 005 and 008" in cover
    assert "From the first session to the latest session; 2 sessions, 1 exhibit" in cover
    assert "Pat Staffer" in cover
    assert "Internal notes Not included." in cover
    assert demo["plain"]["sessions"][0]["advocates"][0]["name"] == "Jeannine Lopez"


def test_the_chronology_lists_the_sessions_in_date_order(demo):
    text = demo["plain_text"]
    chronology = text[text.index("Chronology") : text.index("Session 1:")]
    first = chronology.index("January 17, 2020 Meet and confer (held): The pilot and its testing")
    assert chronology.index("September 15, 2023 Meet and confer (held)") > first


def test_exhibits_are_numbered_with_their_sha256(demo):
    text = demo["plain_text"]
    index = text[text.index("Index of exhibits") :]
    assert f"1 {DEMO_DOCUMENT_TITLE} (Sign-in sheet, dated September 15, 2023)" in index
    # A 64-digit hash may wrap inside its cell.
    assert demo["sha256"] in index.replace(" ", "")
    assert "Exhibits: 1 (see the index)." in text


def test_every_page_is_numbered_and_carries_the_running_header(demo):
    pages = demo["plain_pages"]
    assert pages >= 3
    text = demo["plain_text"]
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text
    assert text.count("Evidence packet · fingerprint") == pages - 1  # not on the cover
    assert text.count("by Pat Staffer") >= pages


def test_the_fingerprint_is_stable_and_covers_the_facts_only(demo):
    assert fingerprint_of(demo["plain"]) == fingerprint_of(demo["plain_again"])
    assert fingerprint_of(demo["plain"]) != fingerprint_of(demo["with_notes"])
    assert fingerprint_of(demo["plain"]) in demo["plain_text"].replace(" ", "")


def test_internal_notes_appear_only_when_chosen(demo):
    assert SESSION_NOTE not in demo["plain_text"]
    assert ITEM_NOTE not in demo["plain_text"]
    assert SESSION_NOTE in demo["notes_text"]
    assert ITEM_NOTE in demo["notes_text"]
    assert (
        "Internal notes Included: this packet contains UPE's internal notes."
        in (demo["notes_text"])
    )
    sessions = demo["plain"]["sessions"]
    assert not any("internal_notes" in part for s in sessions for part in [s, *s["items"]])


@pytest.mark.django_db
def test_an_agents_packet_never_includes_another_units_session(groups, unit_005, unit_008):
    sessions = load_demo()
    agent = UserFactory(username="agent005")
    agent.groups.add(groups[Role.BUSINESS_AGENT])
    unit_005.agents.add(agent)
    found = list(packet_sessions(agent, sessions=sessions))
    assert found == [sessions[1]]  # 2023 is 005 and 008; 2020 is 008 only
    cps = AgendaItem.objects.filter(session=sessions[0]).first().topic
    assert list(packet_sessions(agent, topic=cps)) == []


@pytest.mark.django_db
def test_a_topic_packet_holds_only_that_topics_sessions_and_items(groups):
    sessions = load_demo()
    staff = UserFactory(username="staff")
    staff.groups.add(groups[Role.STAFF])
    cares = AgendaItem.objects.get(session=sessions[1]).topic
    found = [session.pk for session in packet_sessions(staff, topic=cares)]
    assert found == [sessions[1].pk]
    facts = packet_facts(found, topic=cares)
    assert facts["topic"] == "CARES testing"
    assert [item["topic"] for item in facts["sessions"][0]["items"]] == ["CARES testing"]
    assert facts["units"] == "005 and 008"


@pytest.mark.django_db
def test_changes_after_the_session_are_in_the_packet_with_who_and_when(groups):
    staff = UserFactory(username="staff", first_name="Pat", last_name="Staffer")
    with time_machine.travel(datetime.datetime(2024, 3, 1, 20, tzinfo=datetime.UTC)):
        session = SessionFactory(date=datetime.date(2024, 3, 1), location="Room 1")
        item = AgendaItemFactory(session=session, order=1, title="Caseloads")
        commitment = CommitmentFactory(
            agenda_item=item, order=1, description="Send the caseload numbers."
        )
    with time_machine.travel(datetime.datetime(2024, 4, 10, 20, tzinfo=datetime.UTC)):
        commitment._history_user = staff  # who django-simple-history records
        commitment.mark_kept(on=datetime.date(2024, 4, 9), note="Numbers received.")
    facts = packet_facts([session.pk])
    changes = facts["sessions"][0]["changes"]
    assert [(c["what"], c["who"], c["when"][:10]) for c in changes] == [
        ("County commitment changed: “Send the caseload numbers.”", "Pat Staffer", "2024-04-10")
    ]
    assert {"status", "resolved on", "resolution note"} <= set(changes[0]["fields"])
    assert {"date": "2024-04-09", "what": "County commitment kept: Send the caseload numbers."} in (
        facts["chronology"]
    )
    html = render_to_string(
        "sessions/packet/packet.pdf.html",
        {"facts": facts, "fingerprint": fingerprint_of(facts), "produced_by": "Pat"},
    )
    assert "Status: Kept</span> on April 9, 2024: Numbers received." in html
    assert "County commitment changed: “Send the caseload numbers.” (" in html
