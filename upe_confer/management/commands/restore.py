import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from upe_confer import backup
from upe_confer.versions import move_every_version


class Command(BaseCommand):
    help = (
        "Load a backup written by `backup` into an EMPTY database (new, or only migrated). "
        "Refuses a database that holds any data."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, path: Path, database: str, **options):
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        try:
            fmt = backup.restore(path, using=database)
        except backup.RestoreRefused as error:
            raise CommandError(str(error)) from None
        except subprocess.CalledProcessError as error:
            # --single-transaction: a failed pg_restore leaves the database as it was.
            raise CommandError(f"pg_restore failed (exit {error.returncode}); see above.") from None
        # Pages kept from the data this database replaced must not be served again.
        move_every_version()
        rows = sum(entry["rows"] for entry in backup.fingerprint(database).values())
        self.stdout.write(
            f"Restored {path} ({fmt}): the database holds {rows:,} rows. If this code is newer "
            "than the backup, run `python manage.py migrate` now."
        )
