from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Email each owner their open commitments that are overdue or due within N days. "
        "Safe to run from cron daily: a second run the same day sends nothing twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=14, help="Remind of commitments due within this many days."
        )

    def handle(self, *args, days: int, **options) -> None:
        if days < 0 or days > 365:
            raise CommandError("--days must be between 0 and 365.")
        today = timezone.localdate()
        run = send_reminders(today, days)
        self.stdout.write(
            f"{today}: sent {len(run.sent)} reminder(s); "
            f"{len(run.already_sent)} already sent today; {len(run.failed)} failed."
        )
        if run.failed:
            raise CommandError("Could not send to: " + ", ".join(run.failed))
