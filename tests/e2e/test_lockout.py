"""Ten wrong passwords pause signing in, with a message a member can act on; Staff lift the
pause in the admin, and the member signs in."""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.checks import DJANGO_ADMIN_KNOWN
from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles

PASSWORD = "correct horse battery staple"  # UserFactory's


def try_password(page: Page, password: str) -> None:
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_locked_out_member_is_told_what_to_do_and_staff_lift_it(
    page: Page, new_context, sign_in, check_page
):
    roles = setup_roles()
    UserFactory(username="ann").groups.add(roles[Role.MEMBER])
    staff = UserFactory(username="staffer", is_staff=True)
    staff.groups.add(roles[Role.STAFF])

    page.goto(reverse("login"))
    for _ in range(9):
        try_password(page, "not my password")
        expect(page.get_by_role("alert")).to_contain_text("didn’t match")
    try_password(page, "not my password")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in paused for 15 minutes")
    expect(page.get_by_role("alert")).to_contain_text("10 wrong passwords in a row")
    expect(page.get_by_text("You can try again at")).to_be_visible()
    expect(page.get_by_role("link", name="Reset it by email")).to_have_attribute(
        "href", reverse("password_reset")
    )
    check_page(page)

    # Even the right password is refused while paused.
    page.goto(reverse("login"))
    try_password(page, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in paused for 15 minutes")

    # Staff, in their own browser, find the lockout and lift it.
    staff_context = new_context()
    sign_in(staff, into=staff_context)
    admin = staff_context.new_page()
    admin.goto(reverse("admin:axes_accessattempt_changelist"))
    row = admin.get_by_role("row").filter(has_text="ann")
    expect(row).to_contain_text("127.0.0.1")
    expect(row).to_contain_text(re.compile(r"\d:\d\d [ap]\.m\."))  # locked until
    row.get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(label="Lift the lockout of the selected")
    admin.get_by_role("button", name="Run").click()
    expect(admin.get_by_text("1 lockout(s) lifted: they can sign in again now.")).to_be_visible()
    check_page(admin, html=False, known=DJANGO_ADMIN_KNOWN)

    page.goto(reverse("login"))
    try_password(page, PASSWORD)
    expect(page).to_have_url(re.compile(r"/updates/$"))
    expect(page.get_by_role("button", name="Sign out (ann)")).to_be_visible()
