"""Nothing typed is lost (issue 14), in the browser, on a desktop and on a phone.

- The page autosaves a draft and says when; with the network cut, what is typed stays in this
  browser, and the next visit offers it back whole.
- A form sent after the sign-in expired comes back whole once the agent signs in again.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from sessions.models import Session, SessionDraft
from tests.e2e.checks import PHONE, assert_no_horizontal_scroll
from tests.factories import BargainingUnitFactory, TopicFactory, UserFactory
from upe_confer.roles import Role, setup_roles

PASSWORD = "correct horse battery staple"  # UserFactory's
NEW = reverse("sessions:session_new")
DESKTOP_AND_PHONE = pytest.mark.parametrize(
    "phone",
    [
        pytest.param(False, id="desktop"),
        pytest.param(
            True,
            id="phone",
            marks=pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True),
        ),
    ],
)


@pytest.fixture
def agent(transactional_db):
    groups = setup_roles()
    unit = BargainingUnitFactory(code="008", name="Bargaining Unit 008")
    TopicFactory(name="CARES testing")
    user = UserFactory(username="agent", first_name="Ana", last_name="Agent")
    user.groups.add(groups[Role.BUSINESS_AGENT])
    unit.agents.add(user)
    return user


def looked_at(page: Page, check_page, phone: bool) -> None:
    check_page(page, html=not phone)
    if phone:
        assert_no_horizontal_scroll(page)


def type_half_a_session(page: Page) -> None:
    page.get_by_label("Date:", exact=True).fill("2023-09-15")
    page.get_by_role("group", name="Units", exact=True).get_by_label(
        "008 Bargaining Unit 008"
    ).check()
    item = page.locator("fieldset#items-0")
    item.get_by_label("Topic:", exact=True).select_option(label="CARES testing")
    item.get_by_label("Title").fill("Volunteers to test CARES")
    item.get_by_label("What was discussed").fill("The County asked for volunteers.")


@DESKTOP_AND_PHONE
def test_typing_offline_is_kept_in_the_browser_and_offered_back(
    page: Page, context: BrowserContext, check_page, sign_in, agent, phone
):
    sign_in(agent)
    page.goto(NEW)
    type_half_a_session(page)
    status = page.locator("#autosave-status")
    expect(status).to_contain_text(re.compile(r"Draft saved at \d{1,2}:\d\d"))
    assert SessionDraft.objects.get().data["items-0-title"] == ["Volunteers to test CARES"]

    context.set_offline(True)
    discussed = page.locator("fieldset#items-0").get_by_label("What was discussed")
    discussed.fill("The County asked for volunteers. Typed with the network gone.")
    expect(status).to_contain_text("kept in this browser")
    looked_at(page, check_page, phone)
    context.set_offline(False)

    # The next visit: the draft is on the agent's home, and the page offers the newer copy.
    page.goto(reverse("sessions:agent_home"))
    expect(page.get_by_role("heading", name="Unsaved drafts")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Volunteers to test CARES")
    looked_at(page, check_page, phone)
    page.goto(NEW)
    offer = page.get_by_role("region", name="Work kept in this browser")
    expect(offer).to_be_visible()
    looked_at(page, check_page, phone)
    offer.get_by_role("button", name="Bring it back").click()
    expect(page).to_have_url(re.compile(r"\?draft=\d+$"))
    item = page.locator("fieldset#items-0")
    expect(item.get_by_label("What was discussed")).to_have_value(
        "The County asked for volunteers. Typed with the network gone."
    )
    expect(item.get_by_label("Title")).to_have_value("Volunteers to test CARES")
    expect(page.get_by_role("region", name="Work kept in this browser")).to_be_hidden()
    looked_at(page, check_page, phone)

    page.get_by_role("button", name="Save as draft").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meet and confer")
    assert Session.objects.get().agenda_items.get().discussion.endswith("network gone.")
    assert not SessionDraft.objects.exists()  # discarded on save
    page.goto(NEW)  # the browser's copy went with the save: nothing is offered
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a session")
    expect(page.get_by_role("region", name="Work kept in this browser")).to_be_hidden()


@DESKTOP_AND_PHONE
def test_a_form_sent_after_the_sign_in_expired_comes_back_whole(
    page: Page, context: BrowserContext, check_page, agent, phone
):
    page.goto(reverse("login"))
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/agent/$"))
    page.goto(NEW)
    type_half_a_session(page)

    # The sign-in expires while the agent types (the session cookie goes; the CSRF one stays).
    context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.get_by_label("Summary").fill("Typed after the sign-in had expired.")
    page.get_by_role("button", name="Save as draft").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Sign in"))
    expect(page.get_by_role("main")).to_contain_text("everything you typed is kept")
    looked_at(page, check_page, phone)
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Log a session")
    expect(page.get_by_label("Summary")).to_have_value("Typed after the sign-in had expired.")
    item = page.locator("fieldset#items-0")
    expect(item.get_by_label("Title")).to_have_value("Volunteers to test CARES")
    expect(page.get_by_label("Date:", exact=True)).to_have_value("2023-09-15")
    looked_at(page, check_page, phone)
    page.get_by_role("button", name="Save as draft").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meet and confer")
    assert Session.objects.get().summary == "Typed after the sign-in had expired."
