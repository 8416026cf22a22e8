"""Import past sessions from a spreadsheet in the template (the import page's operation)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sessions import imports


class Command(BaseCommand):
    help = (
        "Import sessions, agenda items, positions and commitments from a CSV or XLSX file in "
        "the import template; with --dry-run, only check it and say what would be created."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check only; save nothing.")
        parser.add_argument("--user", help="The username the history records the import by.")

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, **options):
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user {user}.")
        try:
            plan = imports.read_spreadsheet(file.read_bytes(), imports.format_of(file.name))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except imports.SpreadsheetUnreadable as error:
            raise CommandError(str(error)) from None
        for error in plan.errors:
            self.stderr.write(str(error))
        for warning in plan.warnings:
            self.stderr.write(f"Warning: {warning}")
        counts = ", ".join(f"{count} {what}" for what, count in plan.counts().items())
        if not plan.is_valid:
            raise CommandError(
                f"{len(plan.errors)} error(s) in {plan.row_count} row(s): nothing was imported."
            )
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. Would create: {counts}.")
            return
        try:
            batch = imports.import_record(plan, by=by, file_name=file.name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Import {batch.pk}: created {counts}.")
