"""The checks catch what they claim to: a check that never fails proves nothing."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.checks import (
    assert_no_axe_violations,
    assert_no_csp_violations,
    assert_no_horizontal_scroll,
    assert_valid_html,
    document_html,
)

VALID = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fine</title></head>'
    "<body><p>Fine.</p></body></html>"
)
INVALID = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Broken</title></head>'
    "<body><p>Broken<div></p></body></html>"
)


def test_axe_names_the_rule_its_impact_and_the_element(page: Page):
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Axe</title></head>'
        '<body><main><img src="data:," id="no-alt"></main></body></html>'
    )

    with pytest.raises(AssertionError) as failure:
        assert_no_axe_violations(page)

    assert "image-alt (critical)" in str(failure.value)
    assert "#no-alt" in str(failure.value)


def test_axe_lets_through_only_the_elements_known_to_break_a_rule(page: Page):
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Axe</title></head><body><main>'
        '<img src="data:," class="theirs"><img src="data:," id="ours"></main></body></html>'
    )

    with pytest.raises(AssertionError) as failure:
        assert_no_axe_violations(page, known={"image-alt": ".theirs"})

    assert "#ours" in str(failure.value)
    assert "theirs" not in str(failure.value)


def test_nu_checker_reports_only_the_invalid_document():
    with pytest.raises(AssertionError) as failure:
        assert_valid_html(VALID, INVALID)

    assert "document-2.html" in str(failure.value)
    assert "No “p” element in scope" in str(failure.value)
    assert "document-1.html" not in str(failure.value)


def test_an_inline_script_is_blocked_and_reported(page: Page):
    page.goto(reverse("login"))
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )

    assert page.evaluate("() => window.ran") is None
    with pytest.raises(AssertionError, match="Content-Security-Policy blocked"):
        assert_no_csp_violations(page)


def test_a_page_wider_than_the_window_is_reported(page: Page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content('<!doctype html><title>Wide</title><div style="width: 800px">wide</div>')

    with pytest.raises(AssertionError, match=r"the page is 8\d\dpx wide"):
        assert_no_horizontal_scroll(page)


def test_sign_in_fixture_opens_the_admin_without_the_sign_in_page(page: Page, sign_in, superuser):
    sign_in(superuser)

    page.goto(reverse("admin:index"))

    expect(page.get_by_role("heading", name="The meet-and-confer record")).to_be_visible()


def test_a_second_user_gets_a_context_of_their_own(page: Page, new_context, sign_in, superuser):
    other = new_context()
    sign_in(superuser, into=other)
    staff_page = other.new_page()

    staff_page.goto(reverse("admin:index"))
    page.goto(reverse("admin:index"))

    expect(staff_page.get_by_role("heading", name="The meet-and-confer record")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()  # the admin asks who
    assert_no_csp_violations(staff_page)
    assert document_html(staff_page).startswith("<!DOCTYPE html>")
