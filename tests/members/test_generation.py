import html

import pytest
from django.urls import reverse

from members.demo import SESSIONS, load_demo
from members.generation import record_change
from members.models import SiteConfiguration, Update
from members.operations import generate_update, regenerate_update
from sessions.models import Position
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def seed_facts(data: dict) -> list[str]:
    """Every fact of a seed article, as the demo data records it."""
    day = data["date"]
    facts = [f"{day:%B} {day.day}, {day.year}", *data["units"], *data["advocates"]]
    for item in data["agenda"]:
        facts += [statement for _party, _kind, statement in item["positions"]]
        for _party, description, due, trigger in item["commitments"]:
            facts.append(description)
            facts.append(f"by {due:%B} {due.day}, {due.year}" if due else trigger)
        if item["member_guidance"]:
            facts.append(item["member_guidance"])
    return facts


@pytest.mark.parametrize("index", range(len(SESSIONS)))
def test_update_from_each_demo_session_carries_every_fact_of_its_seed_article(index):
    session = load_demo()[index]
    update = generate_update(session)
    page_text = html.unescape(update.body_html)
    for fact in seed_facts(SESSIONS[index]):
        assert fact in update.body, fact
        assert fact in page_text, fact
    assert session.next_steps in update.body
    assert update.status == Update.Status.DRAFT
    assert sorted(unit.code for unit in update.units.all()) == SESSIONS[index]["units"]


def test_headline_names_units_and_topics():
    sessions = load_demo()
    assert generate_update(sessions[0]).title == "008 Meet & Confer Update: CPS Restructure Pilot"
    assert generate_update(sessions[1]).title == "005 and 008 Meet & Confer Update: CARES testing"


def test_each_side_position_lands_under_the_right_heading():
    item = AgendaItemFactory(title="Overtime")
    PositionFactory(agenda_item=item, party="county", kind=Position.Kind.PROPOSAL, statement="P1")
    PositionFactory(agenda_item=item, party="upe", kind=Position.Kind.COUNTER, statement="C1")
    PositionFactory(agenda_item=item, party="county", kind=Position.Kind.REFUSAL, statement="R1")
    PositionFactory(agenda_item=item, party="upe", kind=Position.Kind.AGREEMENT, statement="A1")
    body = generate_update(item.session).body
    assert body.index("What the County proposed") < body.index("P1")
    assert body.index("What UPE raised and countered") < body.index("C1")
    assert body.index("What was refused") < body.index("R1")
    assert "**UPE:** A1" in body
    assert body.index("What was agreed") < body.index("A1")


def test_contact_block_comes_from_the_site_configuration():
    config = SiteConfiguration.current()
    config.phone = "916-555-0100"
    config.save()
    body = generate_update(SessionFactory()).body
    assert "916-555-0100" in body
    assert "United Public Employees" in body
    assert "9333 Tech Center Drive" in body


def test_commitment_due_on_a_trigger_reads_as_the_trigger():
    commitment = CommitmentFactory(due_date=None, trigger="after the training")
    body = generate_update(commitment.agenda_item.session).body
    assert "Due: after the training." in body


def test_thanks_name_the_advocates_present():
    session = SessionFactory(units=[BargainingUnitFactory(code="008")])
    AttendanceFactory(session=session, advocate__name="Sarah Singleton")
    body = generate_update(session).body
    assert "Huge thanks to Sarah Singleton" in body
    assert "our 008 members" in body


def test_unchanged_record_is_not_reported_as_changed():
    update = generate_update(load_demo()[0])
    assert not record_change(update).changed


def test_changed_record_shows_a_diff_and_regeneration_keeps_edits_in_history():
    session = load_demo()[1]
    update = generate_update(session)
    update.body = update.body.replace("Huge thanks", "Many thanks")  # a manual edit
    update.save()
    session.next_steps = "UPE will meet the County again on October 30."
    session.save()

    change = record_change(update)
    assert change.changed
    assert "+UPE will meet the County again on October 30." in change.diff_from_generated
    assert "-Many thanks" in change.diff_from_current  # the edit that regenerating would undo

    regenerate_update(update, change)
    update.refresh_from_db()
    assert "October 30" in update.body
    assert "Many thanks" not in update.body
    assert any("Many thanks" in old.body for old in update.history.all())


def test_edit_page_says_when_the_record_changed(communications_client):
    session = load_demo()[0]
    update = generate_update(session)
    url = reverse("members:update_edit", args=[update.pk])
    assert "record has changed" not in communications_client.get(url).text

    session.next_steps = "UPE will meet the County in March."
    session.save()
    response = communications_client.get(url)
    assert "The record has changed since this update was generated" in response.text


def test_regeneration_needs_confirmation_and_does_not_drop_edits_silently(communications_client):
    session = load_demo()[0]
    update = generate_update(session)
    update.body += "\nA paragraph written by hand.\n"
    update.save()
    session.next_steps = "New next steps."
    session.save()
    url = reverse("members:update_regenerate", args=[update.pk])

    page = communications_client.get(url)
    assert "This update has edits made by hand" in page.text
    assert "-A paragraph written by hand." in html.unescape(page.text)

    refused = communications_client.post(url, {})
    assert refused.status_code == 200
    update.refresh_from_db()
    assert "A paragraph written by hand." in update.body

    communications_client.post(url, {"confirm": "on"})
    update.refresh_from_db()
    assert "New next steps." in update.body


def test_agent_text_reads_as_typed_never_as_markdown():
    from members.generation import escape_markdown, generate_text, session_for_generation
    from members.models import render_markdown
    from tests.factories import AdvocateFactory

    session = SessionFactory(
        summary="# Not a heading\nSee [the memo](https://evil.example) and <https://x.example>",
        next_steps="1. not a list\n- nor this\n    not code either",
    )
    item = AgendaItemFactory(
        session=session, title="**Bold** claim", discussion="A | B | C\n=== and ~~gone~~"
    )
    PositionFactory(agenda_item=item, statement="_Only_ 5 * 3 &amp; `code`")
    CommitmentFactory(agenda_item=item, description="![img](https://evil.example/x.png)")
    AttendanceFactory(session=session, advocate=AdvocateFactory(name="Ana *Star* Ruiz"))

    _, body = generate_text(session_for_generation(session.pk))
    html_body = render_markdown(body)

    assert "<a " not in html_body and "<img" not in html_body
    assert "<strong>Bold</strong>" not in html_body and "<em>" not in html_body.split("UPE")[0]
    assert "<h1>" not in html_body and "<code>" not in html_body and "<del>" not in html_body
    assert "<table>" not in html_body and "<ol>" not in html_body
    text = html.unescape(html_body)
    for typed in [
        "# Not a heading",
        "[the memo](https://evil.example)",
        "<https://x.example>",
        "1. not a list",
        "**Bold** claim",
        "_Only_ 5 * 3 &amp; `code`",
        "![img](https://evil.example/x.png)",
        "Ana *Star* Ruiz",
        "~~gone~~",
    ]:
        assert typed in text, typed
    assert escape_markdown("Plain words, with commas. And 2024 numbers") == (
        "Plain words, with commas. And 2024 numbers"
    )
