import json

from django.core.management.base import BaseCommand

from upe_confer import backup


class Command(BaseCommand):
    help = (
        "Print rows and a content checksum per model, as JSON: run it before a backup and after "
        "the restore, and compare."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str, **options):
        self.stdout.write(json.dumps(backup.fingerprint(database), indent=2, sort_keys=True))
