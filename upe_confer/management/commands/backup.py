import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from upe_confer import backup


class Command(BaseCommand):
    help = (
        "Write a complete, restorable backup of the database: pg_dump's custom format on "
        "PostgreSQL (when pg_dump is installed), otherwise Django's JSON of every app."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="The file to write (default: upe-confer-<date-time>.backup here).",
        )
        parser.add_argument(
            "--format",
            choices=["auto", "pg", "json"],
            default="auto",
            help="pg: pg_dump custom format; json: Django's serialized data (any database).",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, output: Path | None, format: str, database: str, **options):
        fmt = backup.default_format(database) if format == "auto" else format
        if output is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            output = Path(f"upe-confer-{stamp}.backup")
        if output.exists():
            raise CommandError(f"{output} exists already: a backup never overwrites a file.")
        try:
            encrypted = backup.backup(output, fmt, using=database)
        except FileExistsError:
            raise CommandError(
                f"{output} exists already: a backup never overwrites a file."
            ) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        except subprocess.CalledProcessError as error:
            output.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed (exit {error.returncode}); see above.") from None
        rows = sum(entry["rows"] for entry in backup.fingerprint(database).values())
        self.stdout.write(
            f"Wrote {output} ({fmt}, {'encrypted, ' if encrypted else ''}"
            f"{output.stat().st_size:,} bytes, readable by this account only; the database holds "
            f"{rows:,} rows). Restore it with: python manage.py restore {output}"
        )
        if not encrypted:
            self.stderr.write(
                "Not encrypted: the file holds password hashes and the whole record. Set "
                "BACKUP_ENCRYPTION_KEY to encrypt backups (see README, Running in production)."
            )
