"""The pages work under the real Content-Security-Policy, which allows no inline script or style.

No browser test here or elsewhere bypasses the CSP (axe goes in through the DevTools protocol), so
every journey runs under it; these tests make the point explicitly, page by page, including the
admin's own scripts.
"""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from members.demo import load_demo
from tests.e2e.checks import assert_no_csp_violations
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's


def test_sign_in_and_admin_pages_work_under_the_csp(page: Page, transactional_db):
    load_demo()
    UserFactory(username="staff", is_staff=True, is_superuser=True)

    response = page.goto(reverse("login"))
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # Our stylesheet is a file from our origin, so the CSP lets it through.
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(11, 79, 138)")
    assert_no_csp_violations(page)

    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert_no_csp_violations(page)

    # The changelist's "select all" box is JavaScript (admin/js/actions.js): it still runs.
    page.get_by_role("link", name="Sessions", exact=True).click()
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("2 of 2 selected")
    assert_no_csp_violations(page)

    # The change form's scripts: collapsible inlines, autocomplete widgets (select2).
    page.get_by_role("link", name="Meet and confer, January 17, 2020").click()
    expect(page.locator(".select2-container").first).to_be_visible()
    assert_no_csp_violations(page)
