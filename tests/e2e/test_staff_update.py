"""Journey 2, Staff: write the member update from a held session, edit a sentence, preview it,
publish it; members then read the edited sentence."""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from members.demo import load_demo
from members.models import Update
from tests.e2e.checks import DJANGO_ADMIN_KNOWN
from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles

GENERATED = "this system will be going into use in 2026 with or without Sacramento County staff"
EDITED = "CARES goes live in 2026, with or without the input of Sacramento County staff"


def test_staff_writes_edits_previews_and_publishes_the_cares_update(
    page: Page, check_page, sign_in, new_context, transactional_db
):
    roles = setup_roles()
    cares_session = load_demo()[1]
    staff = UserFactory(username="staff", is_staff=True)
    staff.groups.add(roles[Role.STAFF])
    sign_in(staff)

    # The held session's admin page has the one-click button.
    page.goto(reverse("admin:confer_session_change", args=[cares_session.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Change session")
    check_page(page, html=False, known=DJANGO_ADMIN_KNOWN)
    page.get_by_role("button", name="Write a member update").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Edit update")
    expect(page.get_by_role("status")).to_contain_text("A draft update was written")
    expect(page.get_by_label("Title")).to_have_value(
        "005 and 008 Meet & Confer Update: CARES testing"
    )
    check_page(page)

    body = page.get_by_label("Body")
    assert GENERATED in body.input_value()
    body.fill(body.input_value().replace(GENERATED, EDITED))
    page.get_by_role("button", name="Save and preview").click()

    # The preview is the members' page, with a note for staff.
    expect(page.get_by_role("complementary", name="For staff")).to_contain_text(
        "members cannot see it yet"
    )
    expect(page.get_by_role("article")).to_contain_text(EDITED)
    expect(page.get_by_role("article")).not_to_contain_text(GENERATED)
    check_page(page)

    page.get_by_role("complementary", name="For staff").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit update")
    expect(page.get_by_label("Publish now")).to_be_checked()
    page.get_by_role("button", name="Publish", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Published: members can read it now.")
    expect(page.get_by_role("region", name="History")).to_contain_text("Published by staff")
    check_page(page)

    # The staff list shows it published; the sessions list counts the update written.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage updates").click()
    expect(page.get_by_role("row").filter(has_text="CARES testing")).to_contain_text("Published")
    check_page(page)
    page.get_by_role("link", name="Write an update from a session").click()
    held = page.get_by_role("row").filter(has_text="Meet and confer, September 15, 2023")
    expect(held.get_by_role("cell").nth(2)).to_have_text("1")  # updates so far
    check_page(page)

    update = Update.objects.get()
    assert update.status == Update.Status.PUBLISHED
    # A member, not signed in, reads the edited sentence on the update's page.
    member_page = new_context().new_page()
    member_page.goto(reverse("members:update_list"))
    member_page.get_by_role("link", name=update.title).click()
    expect(member_page).to_have_url(re.compile(re.escape(update.get_absolute_url()) + "$"))
    expect(member_page.get_by_role("article")).to_contain_text(EDITED)
    expect(member_page.get_by_role("complementary", name="For staff")).to_have_count(0)
    check_page(member_page)
