"""Journey 4, Staff follow-up: the overdue and no-date reports, a commitment marked kept with the
admin action's date and note, and the overdue report's CSV export read back."""

import csv
import datetime
import io

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.demo import load_demo
from sessions.models import Commitment
from sessions.operations import record_trigger
from tests.e2e.checks import DJANGO_ADMIN_KNOWN
from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles

NAMES = "Provide the County with some names of 005 and 008 staff."
MEET_AGAIN = "Meet with the County again to discuss progress and next steps."


def admin_check(check_page, page: Page, *, ours: bool = True) -> None:
    """In the admin's frame: the report and action pages are our templates, so the Nu checker
    reads them too; Django's own changelist only goes through axe and the CSP."""
    check_page(page, html=ours, known=DJANGO_ADMIN_KNOWN)


def test_staff_marks_an_overdue_commitment_kept_and_exports_the_report(
    page: Page, check_page, sign_in, transactional_db
):
    roles = setup_roles()
    load_demo()
    # The 2020 commitment to meet again is overdue once staff record that the volunteers
    # finished their training; the 2023 one (names of staff) has no date: the article gave none.
    meet_again = Commitment.objects.get(description=MEET_AGAIN)
    record_trigger([meet_again], datetime.date(2020, 3, 13), "Training finished.")
    staff = UserFactory(username="staff", is_staff=True)
    staff.groups.add(roles[Role.STAFF])
    sign_in(staff)

    # The admin's front page says what needs doing, and leads to the reports.
    page.goto(reverse("admin:index"))
    summary = page.get_by_role("table", name="Follow-up: what needs doing")
    expect(summary.get_by_role("row").filter(has_text="Overdue commitments")).to_contain_text("1")
    admin_check(check_page, page, ours=False)

    page.goto(reverse("admin:confer_commitment_changelist"))
    admin_check(check_page, page, ours=False)
    page.get_by_role("link", name="Follow-up reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-up reports")
    admin_check(check_page, page)

    page.get_by_role("link", name="Overdue commitments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue commitments")
    expect(page.get_by_text("1 commitment.")).to_be_visible()
    rows = page.locator("table.report-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text(MEET_AGAIN)
    expect(rows.nth(0)).to_contain_text("following the completion of training")
    admin_check(check_page, page)

    # Commitments the articles gave no date are listed for staff to chase.
    page.goto(reverse("reports:commitments", args=["undated"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("No date given")
    expect(page.get_by_role("row").filter(has_text=NAMES)).to_contain_text("no date given")
    admin_check(check_page, page)

    # UPE sent the names: mark that one kept, from the commitment list's action.
    sidebar = page.get_by_role("navigation", name="Sidebar")
    sidebar.get_by_role("link", name="Commitments", exact=True).click()
    row = page.get_by_role("row").filter(has_text=NAMES)
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Mark selected commitments kept")
    page.get_by_role("button", name="Run").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mark kept")
    expect(page.get_by_text("1 commitment selected.")).to_be_visible()
    admin_check(check_page, page)
    page.get_by_label("On:", exact=True).fill("2023-10-13")
    page.get_by_label("Note").fill("Names sent to Human Services by email.")
    page.get_by_role("button", name="Mark kept").click()

    expect(page.get_by_text("Mark kept: 1 done.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=NAMES)).to_contain_text("Kept")
    admin_check(check_page, page, ours=False)
    kept = Commitment.objects.get(description=NAMES)
    assert kept.status == Commitment.Status.KEPT
    assert kept.resolved_on == datetime.date(2023, 10, 13)
    assert kept.resolution_note == "Names sent to Human Services by email."

    # The overdue report lists the one to meet again, and so does its CSV.
    page.goto(reverse("reports:commitments", args=["overdue"]))
    expect(page.get_by_text("1 commitment.")).to_be_visible()
    admin_check(check_page, page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    today = timezone.localdate()
    assert download.suggested_filename == f"commitments-overdue-{today.isoformat()}.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        table = list(csv.reader(io.StringIO(file.read())))

    header, *rows_in_csv = table
    assert header[:9] == [
        "id",
        "party",
        "commitment",
        "units",
        "topic",
        "agenda item",
        "session date",
        "owner",
        "due date",
    ]
    assert header[12:14] == ["status", "days overdue"]
    assert len(rows_in_csv) == 1
    row = dict(zip(header, rows_in_csv[0], strict=True))
    assert row["id"] == str(meet_again.pk)
    assert row["party"] == "UPE"
    assert row["commitment"] == MEET_AGAIN
    assert row["units"] == "008"
    assert row["topic"] == "CPS Restructure Pilot"
    assert row["session date"] == "2020-01-17"
    assert row["due date"] == "2020-03-13"
    assert row["trigger happened on"] == "2020-03-13"
    assert row["status"] == "Open"
    assert row["days overdue"] == str((today - datetime.date(2020, 3, 13)).days)
    assert not any(NAMES in line for line in rows_in_csv[0])
