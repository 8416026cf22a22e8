"""Journey 1: a business agent logs the 2023 seed session (shared/seeds) in the browser.

With a mouse on a desktop, on a 390 × 844 phone without sideways scrolling, and with the keyboard
only. On the way the agent hits a validation error and fixes it without typing anything again.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from members.demo import SESSIONS
from sessions.models import Advocate, Session
from tests.e2e.checks import PHONE, assert_no_horizontal_scroll
from tests.factories import AdvocateFactory, BargainingUnitFactory, TopicFactory, UserFactory
from upe_confer.roles import Role, setup_roles

PASSWORD = "correct horse battery staple"  # UserFactory's
SEED = SESSIONS[1]  # Meet and confer, September 15, 2023: CARES testing
ITEM = SEED["agenda"][0]
POSITIONS = ITEM["positions"][:3]  # County, County, UPE: the first three, in order
COMMITMENT = ITEM["commitments"][0]  # UPE gives the County names: the article gives no date


@pytest.fixture
def agent(transactional_db):
    groups = setup_roles()
    unit_005 = BargainingUnitFactory(code="005", name="Bargaining Unit 005")
    unit_008 = BargainingUnitFactory(code="008", name="Bargaining Unit 008")
    TopicFactory(name="CARES testing")
    TopicFactory(name="CPS Restructure Pilot")
    # Sarah Singleton is on file; Eric Booker is added in the flow.
    AdvocateFactory(name="Sarah Singleton", unit=unit_008)
    user = UserFactory(username="agent", first_name="Ana", last_name="Agent")
    user.groups.add(groups[Role.BUSINESS_AGENT])
    unit_005.agents.add(user)
    unit_008.agents.add(user)
    return user


def row(page: Page, prefix: str) -> Locator:
    """One row of a formset (its <fieldset id="items-0-positions-1">)."""
    return page.locator(f"fieldset#{prefix}")


def sign_in_through_the_page(page: Page, check_page, *, phone: bool = False) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/agent/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My sessions")
    expect(page.get_by_role("main")).to_contain_text(
        "Your units: 005 Bargaining Unit 005, 008 Bargaining Unit 008."
    )
    check_page(page, html=not phone)
    if phone:
        assert_no_horizontal_scroll(page)


def fill_position(page: Page, number: int, party: str, kind: str, statement: str) -> None:
    position = row(page, f"items-0-positions-{number}")
    position.get_by_label("Party").select_option(party)
    position.get_by_label("Kind").select_option(kind)
    position.get_by_label("Statement").fill(statement)


def log_the_2023_session(page: Page, check_page, *, phone: bool = False) -> None:
    """From the agent home to the summary page, with one validation error fixed on the way."""

    def checked(*, html: bool = True) -> None:
        check_page(page, html=html and not phone)  # a phone gets the same HTML: checked once
        if phone:
            assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Log a session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a session")
    checked()

    page.get_by_label("Date:", exact=True).fill(SEED["date"].isoformat())
    units = page.get_by_role("group", name="Units", exact=True)
    units.get_by_label("005 Bargaining Unit 005").check()
    units.get_by_label("008 Bargaining Unit 008").check()
    page.get_by_label("Sarah Singleton (008)").check()
    page.get_by_role("button", name="Add a new advocate").click()
    advocate = row(page, "advocates-0")
    expect(advocate.get_by_label("Name")).to_be_focused()  # the script moved to the new row
    advocate.get_by_label("Name").fill("Eric Booker")
    advocate.get_by_label("Unit:", exact=True).select_option(label="005 Bargaining Unit 005")
    page.get_by_label("Summary").fill(SEED["summary"])

    item = page.locator("fieldset#items-0")
    item.get_by_label("Topic:", exact=True).select_option(label=ITEM["topic"])
    item.get_by_label("Title").fill(ITEM["title"])
    item.get_by_label("What was discussed").fill(ITEM["discussion"])
    # The first position row is on the page; the next two come from the "Add a position" button.
    for number, (party, kind, statement) in enumerate(POSITIONS):
        if number:
            item.get_by_role("button", name="Add a position").click()
            expect(row(page, f"items-0-positions-{number}").get_by_label("Party")).to_be_focused()
        fill_position(page, number, party, kind, statement)
    # The commitment, with a slip: days counted from a trigger that is not there.
    party, description, _due_date, _trigger = COMMITMENT
    commitment = row(page, "items-0-commitments-0")
    commitment.get_by_label("Party").select_option(party)
    commitment.get_by_label("What was committed").fill(description)
    commitment.get_by_label("Days after the trigger").fill("7")
    item.get_by_label("What members should do").fill(ITEM["member_guidance"])
    item.get_by_label("UPE's view").fill(ITEM["union_view"])
    page.get_by_label("Next steps").fill(SEED["next_steps"])

    page.get_by_role("button", name="Save and mark held").click()

    # Refused, with the problem named at the top and beside the field …
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("1 problem to fix")
    expect(summary.get_by_role("link")).to_have_text(
        re.compile(r"Agenda item 1, commitment 1, Trigger: Say what the trigger is")
    )
    commitment = row(page, "items-0-commitments-0")
    expect(commitment.locator(".errorlist")).to_contain_text("the days are counted from it")
    expect(page.get_by_text("The session was not saved")).to_be_visible()
    checked()
    assert not Session.objects.exists()
    # … and everything typed is still there, rows added with the buttons included.
    expect(page.get_by_label("Date:", exact=True)).to_have_value(SEED["date"].isoformat())
    expect(units.get_by_label("005 Bargaining Unit 005")).to_be_checked()
    expect(units.get_by_label("008 Bargaining Unit 008")).to_be_checked()
    expect(page.get_by_label("Sarah Singleton (008)")).to_be_checked()
    expect(row(page, "advocates-0").get_by_label("Name")).to_have_value("Eric Booker")
    expect(page.get_by_label("Summary")).to_have_value(SEED["summary"])
    expect(item.get_by_label("Title")).to_have_value(ITEM["title"])
    for number, (party, kind, statement) in enumerate(POSITIONS):
        position = row(page, f"items-0-positions-{number}")
        expect(position.get_by_label("Party")).to_have_value(party)
        expect(position.get_by_label("Kind")).to_have_value(kind)
        expect(position.get_by_label("Statement")).to_have_value(statement)
    expect(commitment.get_by_label("What was committed")).to_have_value(description)

    # The link in the summary leads to the field; the article gives no trigger: clear the days.
    summary.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"#id_items-0-commitments-0-trigger$"))
    commitment.get_by_label("Days after the trigger").fill("")
    page.get_by_role("button", name="Save and mark held").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Meet and confer, September 15, 2023")
    expect(page.get_by_role("status")).to_contain_text("Saved")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Units 005 and 008 · Held")
    expect(main).to_contain_text(SEED["summary"])
    advocates = main.locator("dt:text-is('Advocates') + dd")
    expect(advocates).to_contain_text("Sarah Singleton (008)")
    expect(advocates).to_contain_text("Eric Booker (005)")
    expect(main.get_by_role("heading", level=3)).to_have_text(f"1. {ITEM['title']}")
    expect(main).to_contain_text(f"Topic: {ITEM['topic']}")
    expect(main.locator(".agenda-item ol > li")).to_have_text(
        [
            re.compile(rf"^{party_name} \w.*: {re.escape(statement)}$")
            for party_name, (_p, _k, statement) in zip(
                ["County", "County", "UPE"], POSITIONS, strict=True
            )
        ]
    )
    expect(main.locator(".agenda-item ul > li")).to_have_text(
        re.compile(rf"^UPE: {re.escape(description)} — no date given")
    )
    expect(main).to_contain_text(f"What members should do: {ITEM['member_guidance']}")
    expect(main).to_contain_text(f"UPE's view: {ITEM['union_view']}")
    expect(main).to_contain_text(SEED["next_steps"])
    checked()

    # What the page shows is what was saved.
    session = Session.objects.get()
    assert session.date == SEED["date"]
    assert session.status == Session.Status.HELD
    assert sorted(unit.code for unit in session.units.all()) == ["005", "008"]
    assert sorted(a.advocate.name for a in session.attendances.all()) == [
        "Eric Booker",
        "Sarah Singleton",
    ]
    assert Advocate.objects.get(name="Eric Booker").unit.code == "005"
    item = session.agenda_items.get()
    assert item.topic.name == "CARES testing"
    assert [(p.party, p.kind, p.statement) for p in item.positions.order_by("order")] == POSITIONS
    assert [(c.party, c.description, c.due_date, c.trigger) for c in item.commitments.all()] == [
        (party, description, None, "")
    ]


def test_agent_logs_the_2023_session_and_fixes_an_error_without_retyping(
    page: Page, check_page, agent
):
    sign_in_through_the_page(page, check_page)
    log_the_2023_session(page, check_page)


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_agent_logs_the_2023_session_on_a_phone(page: Page, check_page, agent):
    sign_in_through_the_page(page, check_page, phone=True)
    log_the_2023_session(page, check_page, phone=True)


def focused(page: Page) -> dict:
    """The focused element: its id (or text), and whether a focus indicator is drawn around it."""
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            const ring = element.matches(':focus-visible')
                && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
            // Chromium's date and time fields take a stop per part (month, day, year) with our
            // ring, then one on their own calendar or clock button, which the browser rings
            // itself: the field is then not :focus-visible, and no page CSS reaches that button.
            const pickerButton = ['date', 'time'].includes(element.type)
                && !element.matches(':focus-visible');
            return {
                name: element.id || (element.textContent || '').trim(),
                visible: ring || pickerButton,
            };
        }"""
    )


def tab_to(page: Page, target: str, *, key: str = "Tab", limit: int = 80) -> list[str]:
    """Press Tab (or `key`) until the element with id or text `target` has focus. Every stop on
    the way must show its focus. Returns the elements passed, in order, each named once (a date
    or time field takes several stops: one per part)."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        assert now["visible"], f"No visible focus indicator on {now['name']!r}"
        if not passed or passed[-1] != now["name"]:
            passed.append(now["name"])
        if now["name"] == target:
            return passed
    raise AssertionError(f"{key} never reached {target!r}; passed {passed}")


def test_agent_logs_a_session_with_the_keyboard_only(page: Page, check_page, sign_in, agent):
    sign_in(agent)
    page.goto(reverse("sessions:session_new"))

    # The skip link comes first and jumps over the header to the page.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    # Then the fields in the order they are shown, each with a visible focus ring.
    order = tab_to(page, "id_summary")
    assert order == [
        "My sessions",
        "Save as draft",
        "id_date",
        "id_start_time",
        "id_location",
        "id_units_0",
        "id_units_1",
        "id_county_attendees",
        "id_upe_attendees",
        "id_advocates_0",
        "Add a new advocate",
        "id_summary",
    ]
    # Shift+Tab walks back the same way.
    back = tab_to(page, "Save as draft", key="Shift+Tab")
    assert back == list(reversed(order[1:-1]))

    page.keyboard.press("Tab")  # the date's first part, the month
    page.keyboard.type(SEED["date"].strftime("%m%d%Y"))  # a date input takes the digits
    expect(page.get_by_label("Date:", exact=True)).to_have_value(SEED["date"].isoformat())
    tab_to(page, "id_units_0")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    units = page.get_by_role("group", name="Units", exact=True)
    expect(units.get_by_label("005 Bargaining Unit 005")).to_be_checked()
    expect(units.get_by_label("008 Bargaining Unit 008")).to_be_checked()
    tab_to(page, "id_advocates_0")
    page.keyboard.press("Space")
    expect(page.get_by_label("Sarah Singleton (008)")).to_be_checked()
    # Space on an "add" button adds the row and puts the cursor in it.
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#id_advocates-0-name")).to_be_focused()
    page.keyboard.type("Eric Booker")
    page.keyboard.press("Tab")
    page.keyboard.press("0")  # "005 Bargaining Unit 005", the first option starting with 0
    expect(page.locator("#id_advocates-0-unit option:checked")).to_have_text(
        "005 Bargaining Unit 005"
    )

    # The agenda item: its topic, then two positions, the second added with its button.
    tab_to(page, "id_items-0-topic")
    # A closed <select> jumps to the first option starting with the letter typed: "CARES
    # testing" comes before "CPS Restructure Pilot".
    page.keyboard.press("C")
    expect(page.locator("#id_items-0-topic option:checked")).to_have_text("CARES testing")
    tab_to(page, "id_items-0-title")
    page.keyboard.type(ITEM["title"])
    tab_to(page, "id_items-0-positions-0-party")
    page.keyboard.press("C")  # County; the kind stays "Proposed"
    tab_to(page, "id_items-0-positions-0-statement")
    page.keyboard.type(POSITIONS[0][2])
    tab_to(page, "Add a position")
    page.keyboard.press("Enter")
    # The new row appears where the button was and the cursor is in its first field.
    expect(page.locator("#id_items-0-positions-1-party")).to_be_focused()
    assert focused(page)["visible"]
    page.keyboard.press("U")
    tab_to(page, "id_items-0-positions-1-kind")
    page.keyboard.press("C")  # "Countered"
    page.keyboard.press("Tab")
    page.keyboard.type(POSITIONS[2][2])
    # Shift+Tab from the new row's statement goes back to its own fields, not elsewhere.
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#id_items-0-positions-1-kind")).to_be_focused()
    # The commitment, typed; the article gives it no date, so none is typed.
    party, description, _due_date, _trigger = COMMITMENT
    tab_to(page, "id_items-0-commitments-0-party")
    page.keyboard.press("U")
    page.keyboard.press("Tab")
    page.keyboard.type(description)

    # Enter in a text field presses the form's first button: "Save as draft".
    tab_to(page, "id_items-0-title", key="Shift+Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Meet and confer, September 15, 2023")
    expect(page.get_by_role("button", name="Mark held")).to_be_visible()  # a draft
    check_page(page)
    session = Session.objects.get()
    assert session.status == Session.Status.SCHEDULED
    assert sorted(a.advocate.name for a in session.attendances.all()) == [
        "Eric Booker",
        "Sarah Singleton",
    ]
    item = session.agenda_items.get()
    assert item.topic.name == "CARES testing"
    assert [(p.party, p.kind, p.statement) for p in item.positions.order_by("order")] == [
        POSITIONS[0],
        ("upe", "counter", POSITIONS[2][2]),
    ]
    assert [(c.party, c.description, c.due_date, c.trigger) for c in item.commitments.all()] == [
        (party, description, None, "")
    ]
