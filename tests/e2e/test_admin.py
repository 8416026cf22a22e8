"""Staff keep the record in Django's admin: sign in, find the 2020 session, read its agenda."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from members.demo import load_demo
from tests.e2e.checks import DJANGO_ADMIN_KNOWN
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture
def demo_sessions(transactional_db):
    return load_demo()


def test_superuser_reads_the_2020_session_agenda_in_the_admin(
    page: Page, check_page, demo_sessions
):
    UserFactory(username="staff", is_staff=True, is_superuser=True)
    page.goto(reverse("login"))
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    check_page(page, html=False, known=DJANGO_ADMIN_KNOWN)

    page.get_by_role("link", name="Sessions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Select session to change")
    check_page(page, html=False, known=DJANGO_ADMIN_KNOWN)

    page.get_by_role("link", name="Meet and confer, January 17, 2020").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change session")
    agenda = page.get_by_role("heading", name="Agenda items")
    expect(agenda).to_be_visible()
    expect(page.get_by_text("The pilot and its testing phase").first).to_be_visible()
    check_page(page, html=False, known=DJANGO_ADMIN_KNOWN)

    # The inline's "Change" link opens the agenda item with its positions and commitments.
    page.locator(".inline-related", has_text="The pilot and its testing phase").get_by_role(
        "link", name="Change"
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change agenda item")
    expect(page.get_by_label("Title")).to_have_value("The pilot and its testing phase")
    expect(page.get_by_role("heading", name="Positions")).to_be_visible()
    check_page(page, html=False, known=DJANGO_ADMIN_KNOWN)
