"""Write the whole record in the import template (internal notes included: keep it private)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sessions import imports


class Command(BaseCommand):
    help = "Write the record (units, topics, advocates, sessions) to FILE (.csv or .xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        fmt = imports.format_of(file.name)
        if fmt not in imports.FORMATS:
            raise CommandError("Name a .csv or .xlsx file.")
        dataset = imports.export_record()
        file.write_bytes(imports.spreadsheet_bytes(dataset, fmt))
        self.stdout.write(f"Wrote {len(dataset)} rows to {file}.")
