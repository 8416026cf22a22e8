"""The sign-in page, as a person meets it: with a mouse, with the keyboard only, on a phone."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.checks import PHONE, assert_no_horizontal_scroll
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's


def test_sign_in_page_passes_every_check(page: Page, check_page):
    page.goto(reverse("login"))

    expect(page).to_have_title("Sign in · United Public Employees")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page)


def test_wrong_password_says_so_and_keeps_the_username(page: Page, check_page):
    UserFactory(username="agent")
    page.goto(reverse("login"))

    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("didn’t match")
    expect(page.get_by_label("Username")).to_have_value("agent")
    expect(page.get_by_label("Password")).to_have_value("")
    check_page(page)


def test_sign_in_with_the_keyboard_only(page: Page):
    UserFactory(username="keyboard", is_staff=True, is_superuser=True)
    page.goto(reverse("login"))

    # Django's sign-in form puts the cursor in the username field.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("keyboard")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="The meet-and-confer record")).to_be_visible()


def test_header_links_come_before_the_form_and_the_skip_link_jumps_over_them(page: Page):
    page.goto(reverse("login"))
    # Autofocus lands after the load event: walking back before it starts from the page itself.
    expect(page.get_by_label("Username")).to_be_focused()

    # Walk back from the focused username field: nav, site name, then the skip link.
    page.keyboard.press("Shift+Tab")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Sign in")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(nav.get_by_role("link", name="Updates")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="UPE Confer")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # shown while focused, not left off-screen

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Username")).to_be_focused()


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_sign_in_page_fits_a_phone(page: Page, check_page):
    UserFactory(username="phone")
    page.goto(reverse("login"))

    assert_no_horizontal_scroll(page)
    page.get_by_label("Username").fill("phone")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_horizontal_scroll(page)
    check_page(page, html=False)  # same HTML as on a desktop, checked above
