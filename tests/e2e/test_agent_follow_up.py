"""A business agent follows up, at the 2023 session, a 2020 commitment still open for unit 008."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from members.demo import load_demo
from sessions.models import BargainingUnit, Commitment, Session
from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles


@pytest.fixture
def agent(transactional_db):
    load_demo()
    user = UserFactory(username="agent")
    user.groups.add(setup_roles()[Role.BUSINESS_AGENT])
    for unit in BargainingUnit.objects.all():
        unit.agents.add(user)
    return user


def test_agent_marks_an_earlier_commitment_kept_at_a_later_session(
    page: Page, agent, sign_in, check_page
):
    sign_in(agent)
    session = Session.objects.get(date=datetime.date(2023, 9, 15))
    page.goto(reverse("sessions:session_detail", args=[session.pk]))
    page.get_by_role("link", name="Follow up earlier commitments").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Follow up at")
    check_page(page)

    commitment = Commitment.objects.get(description__startswith="Work with the County to schedule")
    box = page.get_by_role("group", name=f"UPE: {commitment.description}")
    box.get_by_label("Outcome").select_option("kept")
    box.get_by_label("Note").fill("Court Services meetings were scheduled.")
    page.get_by_role("button", name="Save follow-up").click()

    expect(page.get_by_role("status")).to_contain_text("1 commitment(s) followed up")
    check_page(page)
    commitment.refresh_from_db()
    assert (commitment.status, commitment.followed_up_in) == ("kept", session)
    assert commitment.resolved_on == session.date


def test_agent_searches_the_record_from_the_menu(page: Page, agent, sign_in, check_page):
    sign_in(agent)
    page.goto(reverse("sessions:agent_home"))
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Search the record"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search the record")
    page.get_by_label("Words").fill("favoritism")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("1 agenda item")
    expect(page.get_by_role("main")).to_contain_text("Social Workers and Clerical staff to test")
    check_page(page)
