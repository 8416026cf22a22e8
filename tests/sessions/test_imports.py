"""Importing past sessions from a spreadsheet (sessions/imports.py): the dry run, the import as
one transaction, the rollback, and the export in the same template."""

import datetime

import pytest
import tablib
import time_machine
from django.core.management.color import no_style
from django.db import connection

from members.demo import load_demo
from sessions import imports
from sessions.imports import (
    CREATED_MODELS,
    RollbackRefused,
    export_record,
    import_record,
    read_spreadsheet,
    roll_back_import,
    spreadsheet_bytes,
)
from sessions.models import (
    Advocate,
    BargainingUnit,
    Commitment,
    Document,
    ImportBatch,
    Position,
    Session,
    Topic,
)
from tests.factories import BargainingUnitFactory, UserFactory
from upe_confer.backup import fingerprint_by_table

pytestmark = pytest.mark.django_db

# The tables an import writes: the record's rows and the units of its sessions and topics.
RECORD_TABLES = [model._meta.db_table for model in CREATED_MODELS] + [
    Session.units.through._meta.db_table,
    Topic.units.through._meta.db_table,
]
FROZEN = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


def record_print() -> dict:
    prints = fingerprint_by_table()
    return {table: prints[table] for table in RECORD_TABLES}


def empty_the_record() -> None:
    """As a brand-new database: no record rows, and their ids counting from 1 again (history
    rows stay, and keep counting)."""
    Document.objects.all().delete()
    Session.objects.all().delete()
    Advocate.objects.all().delete()
    Topic.objects.all().delete()
    BargainingUnit.objects.all().delete()
    statements = connection.ops.sequence_reset_by_name_sql(
        no_style(),
        [s for s in connection.introspection.sequence_list() if s["table"] in RECORD_TABLES],
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def csv_of(rows: list[dict[str, str]]) -> bytes:
    dataset = imports.template_dataset(example=False)
    for row in rows:
        dataset.append([row.get(name, "") for name in imports.COLUMN_NAMES])
    return spreadsheet_bytes(dataset, "csv")


def position_row(**values) -> dict[str, str]:
    return {
        "kind": "position",
        "session": "s1",
        "date": "2021-05-04",
        "units": "008",
        "item": "1",
        "topic": "Telework",
        "title": "Telework days",
        "party": "county",
        "position_kind": "proposal",
        "text": "Two days.",
        **values,
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_demo_exported_and_imported_into_an_empty_database_is_the_same_record(fmt):
    importer = UserFactory(username="importer")
    empty_the_record()  # PostgreSQL's sequences count on across tests
    with time_machine.travel(FROZEN, tick=False):
        load_demo()
    before = record_print()
    counts = {
        "bargaining units": 2,
        "topics": 2,
        "advocates": 7,
        "sessions": 2,
        "agenda items": 4,
        "positions": Position.objects.count(),
        "commitments": Commitment.objects.count(),
    }
    content = spreadsheet_bytes(export_record(), fmt)
    empty_the_record()
    assert record_print() != before

    plan = read_spreadsheet(content, fmt)
    assert plan.errors == []
    assert plan.counts() == counts
    with time_machine.travel(FROZEN, tick=False):
        import_record(plan, by=importer, file_name=f"demo.{fmt}")
    assert record_print() == before


def test_the_dry_run_saves_nothing():
    BargainingUnitFactory(code="008")
    plan = read_spreadsheet(csv_of([position_row()]), "csv")
    assert plan.is_valid
    assert plan.counts()["positions"] == 1 and plan.counts()["topics"] == 1
    assert not Session.objects.exists() and not Topic.objects.exists()


def test_one_bad_row_imports_nothing_and_is_named_by_line_and_column():
    BargainingUnitFactory(code="008")
    rows = [
        position_row(),
        position_row(text="Three days.", party="upe"),
        position_row(text="Four.", party="the mayor"),
        {
            "kind": "commitment",
            "session": "s1",
            "item": "1",
            "party": "upe",
            "text": "Ask.",
            "due_date": "2021-13-40",
        },
    ]
    plan = read_spreadsheet(csv_of(rows), "csv")
    assert [(error.line, error.column) for error in plan.errors] == [
        (4, "party"),
        (5, "due_date"),
    ]
    assert "not a valid choice" in plan.errors[0].message
    assert str(plan.errors[1]).startswith("Line 5, column due_date:")
    assert not plan.is_valid
    with pytest.raises(Exception, match="nothing was imported"):
        import_record(plan, by=None, file_name="bad.csv")
    assert not Session.objects.exists() and not ImportBatch.objects.exists()


def test_rows_of_one_session_that_disagree_are_errors():
    BargainingUnitFactory(code="008")
    plan = read_spreadsheet(
        csv_of([position_row(), position_row(date="2021-05-05", party="upe")]), "csv"
    )
    assert [(e.line, e.column) for e in plan.errors] == [(3, "date")]


def test_unknown_units_advocates_users_and_columns_are_errors():
    content = csv_of([position_row(advocates="Nobody (008)", logged_by="ghost")])
    header, rest = content.split(b"\r\n", 1)
    content = header + b",colour\r\n" + rest.replace(b"\r\n", b",blue\r\n", 1)
    plan = read_spreadsheet(content, "csv")
    columns = {(e.line, e.column) for e in plan.errors}
    assert (1, "colour") in columns
    assert {(2, "units"), (2, "advocates"), (2, "logged_by")} <= columns


def test_rows_describing_units_topics_and_advocates_may_come_in_any_order():
    rows = [
        {"kind": "topic", "topic": "Telework", "units": "009", "text": "Days at home."},
        {"kind": "advocate", "name": "Pat", "units": "009"},
        position_row(units="009", advocates="Pat (009)"),
        {"kind": "topic", "topic": "TELEWORK", "units": "009"},
        {"kind": "unit", "units": "009", "name": "Bargaining Unit 009"},
    ]
    plan = read_spreadsheet(csv_of(rows), "csv")
    assert [(e.line, e.column) for e in plan.errors] == [(5, "topic")]  # described twice
    del rows[3]
    import_record(read_spreadsheet(csv_of(rows), "csv"), by=None, file_name="t.csv")
    topic = Topic.objects.get()
    assert (topic.description, [u.code for u in topic.units.all()]) == ("Days at home.", ["009"])
    assert Session.objects.get().advocates.get().unit.code == "009"


def test_a_file_imported_twice_is_warned_of():
    BargainingUnitFactory(code="008")
    content = csv_of([position_row()])
    import_record(read_spreadsheet(content, "csv"), by=None, file_name="t.csv")
    again = read_spreadsheet(content, "csv")
    assert again.is_valid
    assert [(w.line, w.column) for w in again.warnings] == [(2, "session")]
    assert "imported already" in again.warnings[0].message


def test_a_nul_character_is_an_error_not_a_database_failure():
    BargainingUnitFactory(code="008")
    plan = read_spreadsheet(csv_of([position_row(title="Tele\x00work")]), "csv")
    assert [(e.line, e.column) for e in plan.errors] == [(2, "title")]


def test_an_unreadable_file_is_said_not_raised():
    with pytest.raises(imports.SpreadsheetUnreadable):
        read_spreadsheet(b"not a zip", "xlsx")
    with pytest.raises(imports.SpreadsheetUnreadable):
        read_spreadsheet("kind\nposition".encode("utf-16"), "csv")


def test_the_import_is_in_history_as_an_import_by_that_user():
    BargainingUnitFactory(code="008")
    importer = UserFactory(username="importer")
    batch = import_record(
        read_spreadsheet(csv_of([position_row()]), "csv"), by=importer, file_name="t.csv"
    )
    position = Position.objects.get()
    record = position.history.get()
    assert record.history_user == importer
    assert record.history_change_reason == f"Import {batch.pk}"
    assert Session.objects.get().history.first().history_user == importer
    assert batch.imported_by == importer and batch.count("confer.position") == 1


def test_the_template_with_its_examples_imports_into_an_empty_database():
    for fmt in ("csv", "xlsx"):
        plan = read_spreadsheet(spreadsheet_bytes(imports.template_dataset(), fmt), fmt)
        assert plan.errors == [], fmt
    import_record(plan, by=None, file_name="template.xlsx")
    commitment = Commitment.objects.get()
    assert commitment.due_date == datetime.date(2024, 4, 1)
    assert Session.objects.get().advocates.get().name == "Pat Example"


def test_xlsx_cells_typed_as_dates_and_numbers_are_read():
    BargainingUnitFactory(code="008")
    dataset = tablib.Dataset(
        headers=["kind", "session", "date", "units", "item", "topic", "title", "party", "text"]
    )
    dataset.append(
        [
            "position",
            "s1",
            datetime.datetime(2021, 5, 4),
            "008",
            1.0,
            "Telework",
            "Days",
            "upe",
            "Three.",
        ]
    )
    plan = read_spreadsheet(dataset.export("xlsx"), "xlsx")
    assert plan.errors == []
    assert plan.sessions[0].session.date == datetime.date(2021, 5, 4)


def test_a_rollback_restores_the_record_as_it_was():
    with time_machine.travel(FROZEN, tick=False):
        load_demo()
    before = record_print()
    content = spreadsheet_bytes(export_record(), "csv")
    staff = UserFactory(username="staff")
    batch = import_record(read_spreadsheet(content, "csv"), by=staff, file_name="again.csv")
    assert Session.objects.count() == 4
    roll_back_import(batch, by=staff)
    assert record_print() == before
    deleted = Position.history.filter(history_type="-")
    assert {(r.history_user, r.history_change_reason) for r in deleted} == {
        (staff, f"Rollback of import {batch.pk}")
    }
    batch.refresh_from_db()
    assert batch.rolled_back_by == staff and batch.rolled_back_at is not None
    with pytest.raises(RollbackRefused, match="already"):
        roll_back_import(batch, by=staff)


def test_a_rollback_is_refused_once_the_imported_record_was_changed():
    BargainingUnitFactory(code="008")
    batch = import_record(
        read_spreadsheet(csv_of([position_row()]), "csv"), by=None, file_name="t.csv"
    )
    position = Position.objects.get()
    position.statement = "Two and a half days."
    position.save()
    with pytest.raises(RollbackRefused, match="changed since"):
        roll_back_import(batch, by=None)
    assert Position.objects.exists()


def test_a_rollback_is_refused_while_something_made_since_refers_to_it():
    BargainingUnitFactory(code="008")
    batch = import_record(
        read_spreadsheet(csv_of([position_row()]), "csv"), by=None, file_name="t.csv"
    )
    later = Session.objects.create(date=datetime.date(2022, 1, 1))
    item = later.agenda_items.create(topic=Topic.objects.get(), title="Again")
    with pytest.raises(RollbackRefused, match="refer to its topics"):
        roll_back_import(batch, by=None)
    item.delete()
    roll_back_import(batch, by=None)
    assert not Position.objects.exists() and not Topic.objects.exists()


def test_the_export_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    load_demo()
    with django_assert_max_num_queries(12):
        small = export_record()
    content = spreadsheet_bytes(small, "csv")
    import_record(read_spreadsheet(content, "csv"), by=None, file_name="twice.csv")
    with django_assert_max_num_queries(12):
        assert len(export_record()) > len(small)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_exported_inert_and_imported_as_it_was(fmt):
    BargainingUnitFactory(code="008")
    formula = '=HYPERLINK("http://example.org","click")'
    rows = [
        position_row(text=formula),
        {
            "kind": "commitment",
            "session": "s1",
            "item": "1",
            "party": "upe",
            "text": "'quoted",
            "trigger": "before the training",
            "trigger_offset_days": "-10",
        },
    ]
    import_record(read_spreadsheet(csv_of(rows), "csv"), by=None, file_name="t.csv")
    Commitment.objects.update(description="'quoted")  # an apostrophe of its own
    exported = export_record()
    text_column = exported.headers.index("text")
    assert exported[-2][text_column] == "'" + formula
    assert exported[-1][exported.headers.index("trigger_offset_days")] == "'-10"
    empty_the_record()
    BargainingUnitFactory(code="008")
    content = spreadsheet_bytes(exported, fmt)
    plan = read_spreadsheet(content, fmt)
    assert plan.errors == []
    import_record(plan, by=None, file_name=f"again.{fmt}")
    assert Position.objects.get().statement == formula
    commitment = Commitment.objects.get()
    assert (commitment.description, commitment.trigger_offset_days) == ("'quoted", -10)
