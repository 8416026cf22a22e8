"""The import page in the admin (sessions/import_views.py) and the import_record / export_record
commands: Staff only, a dry run that lists errors by line and column, constant queries."""

import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.demo import load_demo
from sessions import imports
from sessions.models import ImportBatch, Position, Session
from tests.factories import BargainingUnitFactory, UserFactory
from tests.sessions.test_imports import csv_of, position_row

pytestmark = pytest.mark.django_db


def upload(content: bytes, name: str = "sessions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def rows(count: int) -> list[dict[str, str]]:
    """`count` positions over sessions of five agenda items with four positions each."""
    made = []
    for n in range(count):
        session, item, order = n // 20, (n // 4) % 5 + 1, n % 4 + 1
        made.append(
            position_row(
                session=f"s{session}",
                date=f"20{10 + session % 15:02d}-01-{session % 28 + 1:02d}",
                item=str(item),
                order=str(order),
                title=f"Item {item}",
                text=f"Position {n}.",
            )
        )
    return made


def test_each_role_reaches_the_import_pages_only_if_staff(
    client, staff, agent_008, communications, member
):
    plan = imports.read_spreadsheet(csv_of([position_row()]), "csv")  # unit 008 exists
    batch = imports.import_record(plan, by=None, file_name="old.csv")
    pages = [
        reverse("imports:index"),
        reverse("imports:template", args=["csv"]),
        reverse("imports:template", args=["xlsx"]),
        reverse("imports:export", args=["csv"]),
        reverse("imports:export", args=["xlsx"]),
    ]
    rollback = reverse("imports:rollback", args=[batch.pk])
    for page in [*pages, rollback]:
        answer = client.get(page) if page != rollback else client.post(page)
        assert answer.status_code == 302 and "/admin/login/" in answer["Location"], page
    for user in (member, agent_008, communications):
        client.force_login(user)
        for page in pages:
            answer = client.get(page)
            if user == member:  # not staff: the admin's sign-in
                assert answer.status_code == 302, (user, page)
            else:
                assert answer.status_code == 403, (user, page)
        assert client.post(rollback).status_code in (302, 403)
        batch.refresh_from_db()
        assert batch.rolled_back_at is None
    client.force_login(staff)
    for page in pages:
        assert client.get(page).status_code == 200, page
    assert client.post(rollback).status_code == 302
    batch.refresh_from_db()
    assert batch.rolled_back_by == staff


def test_the_admin_front_page_links_the_import_for_staff_only(client, staff, agent_008):
    client.force_login(staff)
    assert reverse("imports:index") in client.get(reverse("admin:index")).content.decode()
    client.force_login(agent_008)
    assert reverse("imports:index") not in client.get(reverse("admin:index")).content.decode()


def test_the_template_downloads_are_csv_and_xlsx_with_every_column(client, staff):
    client.force_login(staff)
    csv = client.get(reverse("imports:template", args=["csv"]))
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0] == ",".join(imports.COLUMN_NAMES)
    xlsx = client.get(reverse("imports:template", args=["xlsx"]))
    book = tablib.Databook().load(xlsx.content, format="xlsx")
    assert book.sheets()[0].headers == imports.COLUMN_NAMES
    assert [row[0] for row in book.sheets()[1]] == imports.COLUMN_NAMES
    assert client.get("/admin/import/template.pdf").status_code == 404


def test_a_dry_run_shows_the_errors_by_line_and_column_and_saves_nothing(client, staff):
    BargainingUnitFactory(code="008")
    client.force_login(staff)
    content = csv_of([position_row(), position_row(party="mayor", text="")])
    page = client.post(reverse("imports:index"), {"file": upload(content), "import": "Import"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "nothing was imported" in text
    assert "<td>3</td><td>party</td>" in text and "<td>3</td><td>text</td>" in text
    assert not Session.objects.exists()


def test_a_dry_run_then_an_import(client, staff):
    BargainingUnitFactory(code="008")
    client.force_login(staff)
    content = csv_of([position_row(), position_row(party="upe", text="Three days.")])
    page = client.post(reverse("imports:index"), {"file": upload(content), "check": "Check"})
    assert "The file is ready to import" in page.content.decode()
    assert not Position.objects.exists()
    done = client.post(reverse("imports:index"), {"file": upload(content), "import": "Import"})
    assert done.status_code == 302
    assert Position.objects.count() == 2
    batch = ImportBatch.objects.get()
    assert batch.imported_by == staff
    page = client.get(reverse("imports:index")).content.decode()
    assert f"Roll back import {batch.pk}" in page


def test_a_refused_rollback_says_why(client, staff):
    BargainingUnitFactory(code="008")
    client.force_login(staff)
    client.post(reverse("imports:index"), {"file": upload(csv_of([position_row()])), "import": 1})
    Position.objects.update(statement="Changed by hand.")  # no history: still a change
    answer = client.post(
        reverse("imports:rollback", args=[ImportBatch.objects.get().pk]), follow=True
    )
    assert "changed since" in answer.content.decode()
    assert Position.objects.exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("notes.txt", b"kind\n"),
        ("broken.xlsx", b"PK not really"),
        ("utf16.csv", "kind,session\n".encode("utf-16")),
        ("empty.csv", b""),
        ("only-header.csv", b"kind,session\r\n"),
        ("no-kind.csv", b"session,date\r\ns1,2020-01-01\r\n"),
        ("ragged.csv", b"kind,session\r\nposition,s1,extra,more\r\n"),
    ],
)
def test_bad_files_are_answered_never_a_500(client, staff, name, content):
    client.force_login(staff)
    page = client.post(reverse("imports:index"), {"file": upload(content, name), "import": 1})
    assert page.status_code == 200
    assert not ImportBatch.objects.exists()


def test_no_file_and_unknown_rollbacks_are_answered(client, staff):
    client.force_login(staff)
    assert client.post(reverse("imports:index"), {}).status_code == 200
    assert client.post(reverse("imports:rollback", args=[999])).status_code == 404
    assert client.get(reverse("imports:rollback", args=[999])).status_code == 405


def test_the_pages_run_a_constant_number_of_queries(client, staff, django_assert_max_num_queries):
    BargainingUnitFactory(code="008")
    client.force_login(staff)
    for count in (20, 400):
        content = csv_of(rows(count))
        with django_assert_max_num_queries(12):
            page = client.post(reverse("imports:index"), {"file": upload(content), "check": 1})
        assert "The file is ready to import" in page.content.decode()
    for count in (1, 15):
        while ImportBatch.objects.count() < count:
            ImportBatch.objects.create(file_name="x.csv", imported_by=staff)
        with django_assert_max_num_queries(10):
            assert client.get(reverse("imports:index")).status_code == 200


def test_the_commands_export_and_import_the_same_template(tmp_path, capsys):
    load_demo()
    target = tmp_path / "record.xlsx"
    call_command("export_record", str(target))
    assert "rows to" in capsys.readouterr().out
    call_command("import_record", str(target), "--dry-run")
    assert "Dry run, nothing saved. Would create:" in capsys.readouterr().out
    assert Session.objects.count() == 2
    UserFactory(username="clerk")
    call_command("import_record", str(target), "--user", "clerk")
    assert Session.objects.count() == 4
    assert ImportBatch.objects.get().imported_by.username == "clerk"


def test_the_import_command_lists_errors_and_saves_nothing(tmp_path):
    BargainingUnitFactory(code="008")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_of([position_row(), position_row(item="x")]))
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_record", str(bad), stderr=errors)
    assert "Line 3, column item:" in errors.getvalue()
    assert not Session.objects.exists()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_record", str(tmp_path / "missing.csv"))
