import datetime
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
            facts.append(f"by {due:%B} {due.day}, {due.year}" if due else trigger or "no date")
        facts += [item[key] for key in ("discussion", "member_guidance", "union_view") if item[key]]
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
    # The exchange in the order it happened: each statement after the one before it.
    statements = [s for item in SESSIONS[index]["agenda"] for _, _, s in item["positions"]]
    places = [update.body.index(statement) for statement in statements]
    assert places == sorted(places)
    # The advocates in the article's order.
    names = [update.body.index(name) for name in SESSIONS[index]["advocates"]]
    assert names == sorted(names)
    assert update.status == Update.Status.DRAFT
    assert sorted(unit.code for unit in update.units.all()) == SESSIONS[index]["units"]


def test_headline_names_units_and_topics():
    sessions = load_demo()
    assert generate_update(sessions[0]).title == "008 Meet & Confer Update: CPS Restructure Pilot"
    assert generate_update(sessions[1]).title == "005 and 008 Meet & Confer Update: CARES testing"


def test_the_exchange_is_told_in_order_each_position_led_by_its_party():
    item = AgendaItemFactory(title="Overtime")
    PositionFactory(agenda_item=item, party="county", kind=Position.Kind.PROPOSAL, statement="P1")
    PositionFactory(agenda_item=item, party="upe", kind=Position.Kind.COUNTER, statement="C1")
    PositionFactory(agenda_item=item, party="county", kind=Position.Kind.RESPONSE, statement="R1")
    PositionFactory(agenda_item=item, party="upe", kind=Position.Kind.AGREEMENT, statement="A1")
    PositionFactory(agenda_item=item, party="county", kind=Position.Kind.REFUSAL, statement="X1")
    body = generate_update(item.session).body
    told = [
        "**The County proposed:** P1",
        "**UPE countered:** C1",
        "**The County responded:** R1",
        "**UPE agreed:** A1",
        "**The County refused:** X1",
    ]
    places = [body.index(sentence) for sentence in told]
    assert places == sorted(places)


def test_the_unions_view_is_apart_from_the_positions():
    item = AgendaItemFactory(union_view="This is unacceptable.")
    PositionFactory(agenda_item=item, party="county", statement="No relief.")
    body = generate_update(item.session).body
    assert "**UPE's view:** This is unacceptable." in body
    assert "responded:** This is unacceptable" not in body


def test_internal_notes_never_reach_the_update():
    item = AgendaItemFactory(internal_notes="ITEM-SECRET", discussion="Out loud.")
    item.session.internal_notes = "SESSION-SECRET"
    item.session.location = "Room SECRET"
    item.session.county_attendees = "Jane SECRET"
    item.session.save()
    CommitmentFactory(agenda_item=item, resolution_note="NOTE-SECRET", trigger_note="T-SECRET")
    update = generate_update(item.session)
    assert "SECRET" not in update.title + update.summary + update.body
    assert "Out loud." in update.body


def test_a_session_without_topics_does_not_discuss_nothing():
    session = SessionFactory(date=datetime.date(2024, 3, 1))
    update = generate_update(session)
    assert update.body.startswith("On March 1, 2024, UPE met with the County.")
    assert "discuss ." not in update.body and "discuss" not in update.summary


@pytest.mark.parametrize(
    "fields, standing",
    [
        ({"due_date": datetime.date(2024, 4, 1)}, "(due by April 1, 2024)"),
        ({"due_date": None, "trigger": "after the training"}, "(due after the training)"),
        (
            {"due_date": None, "trigger": "after the training", "trigger_offset_days": 1},
            "(due 1 day after the training)",
        ),
        (
            {
                "due_date": None,
                "trigger": "when the policy changes",
                "trigger_offset_days": -10,
            },
            "(due 10 days before the policy changes)",
        ),
        ({"due_date": None, "trigger": ""}, "(no date given)"),
        (
            {"status": "kept", "resolved_on": datetime.date(2024, 3, 20)},
            "(kept on March 20, 2024)",
        ),
        (
            {"status": "broken", "resolved_on": datetime.date(2024, 4, 2)},
            "(broken on April 2, 2024)",
        ),
        (
            {"status": "withdrawn", "resolved_on": datetime.date(2024, 4, 2)},
            "(withdrawn on April 2, 2024)",
        ),
    ],
)
def test_a_commitment_reads_as_it_stands(fields, standing):
    commitment = CommitmentFactory(party="county", description="Send the list.", **fields)
    body = generate_update(commitment.agenda_item.session).body
    assert f"- The County committed to: Send the list. {standing}" in body
    assert "1 days" not in body


def test_earlier_commitments_followed_up_at_a_session_are_reported():
    earlier = SessionFactory(date=datetime.date(2024, 1, 10))
    commitment = CommitmentFactory(
        agenda_item=AgendaItemFactory(session=earlier), party="county", description="Pair workers."
    )
    later = SessionFactory(date=datetime.date(2024, 3, 1))
    commitment.mark_kept(on=later.date, note="INTERNAL", session=later)
    body = generate_update(later).body
    assert "## Follow-up from earlier meetings" in body
    assert "**The County kept its commitment** made on January 10, 2024: Pair workers." in body
    assert "INTERNAL" not in body


def test_contact_block_comes_from_the_site_configuration():
    config = SiteConfiguration.current()
    config.phone = "916-555-0100"
    config.save()
    body = generate_update(SessionFactory()).body
    assert "916-555-0100" in body
    assert "United Public Employees" in body
    assert "9333 Tech Center Drive" in body


def test_thanks_name_the_advocates_present_and_the_units_they_spoke_for():
    unit = BargainingUnitFactory(code="008")
    session = SessionFactory(units=[unit, BargainingUnitFactory(code="005")])
    AttendanceFactory(session=session, advocate__name="Sarah Singleton", advocate__unit=unit)
    AttendanceFactory(session=session, advocate__name="Ann Bell", advocate__unit=unit)
    body = generate_update(session).body
    assert "Huge thanks to Sarah Singleton and Ann Bell for advocating" in body
    assert "on behalf of our 008 members" in body


def test_an_advocate_of_unknown_unit_is_thanked_without_guessing_one():
    session = SessionFactory(units=[BargainingUnitFactory(code="008")])
    AttendanceFactory(session=session, advocate__name="Eric Booker", advocate__unit=None)
    body = generate_update(session).body
    assert "Huge thanks to Eric Booker for advocating on behalf of our members." in body


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
    assert update.summary == change.summary
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


def test_generating_and_regenerating_each_write_one_history_record_with_the_labels():
    session = load_demo()[1]
    update = generate_update(session)
    records = list(update.history.all())
    assert [(r.history_type, r.history_change_reason) for r in records] == [
        ("+", "Generated from the session")
    ]
    assert records[0].units.count() == 2 and records[0].topics.count() == 1
    session.next_steps = "UPE will meet the County again."
    session.save()
    regenerate_update(update, record_change(update))
    assert [r.history_change_reason for r in update.history.all()] == [
        "Regenerated from the session",
        "Generated from the session",
    ]
