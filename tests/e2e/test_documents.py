"""An agent attaches a PDF from the "log a session" page on a phone and downloads it from the
session's page."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from members.demo import pdf_with_text
from sessions.models import Document
from tests.e2e.checks import PHONE, assert_no_horizontal_scroll
from tests.factories import BargainingUnitFactory, UserFactory
from upe_confer.roles import Role, setup_roles


@pytest.fixture
def agent(transactional_db):
    groups = setup_roles()
    unit = BargainingUnitFactory(code="008", name="Bargaining Unit 008")
    user = UserFactory(username="agent")
    user.groups.add(groups[Role.BUSINESS_AGENT])
    unit.agents.add(user)
    return user


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_agent_attaches_a_pdf_on_a_phone_and_downloads_it(
    page: Page, check_page, sign_in, agent, tmp_path
):
    sign_in(agent)
    page.goto(reverse("sessions:session_new"))
    page.get_by_label("Date:", exact=True).fill("2024-03-01")
    page.get_by_label("008 Bargaining Unit 008").check()
    page.get_by_label("Summary:").fill("The County brought a written proposal.")
    pdf = tmp_path / "county-proposal.pdf"
    pdf.write_bytes(pdf_with_text(["The County's proposal"]))
    page.locator("#id_documents-files").set_input_files(str(pdf))
    page.locator("#id_documents-kind").select_option("county_proposal")
    page.locator("#id_documents-title").fill("County proposal")
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Save as draft").first.click()

    expect(page).to_have_url(re.compile(r"/agent/sessions/\d+/$"))
    expect(page.get_by_role("main")).to_contain_text("1 document(s) attached")
    link = page.get_by_role("link", name="County proposal")
    expect(link).to_be_visible()
    assert_no_horizontal_scroll(page)
    check_page(page, html=True)

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "County proposal.pdf"
    with open(download.path(), "rb") as stream:
        assert stream.read() == pdf.read_bytes()
    assert Document.objects.get().original_name == "county-proposal.pdf"
