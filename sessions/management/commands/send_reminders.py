from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions.reminders import DUE_SOON_DAYS, STALE_TRIGGER_DAYS, send_reminders


class Command(BaseCommand):
    help = (
        "Email the daily follow-up digest: to each business agent for their units, to Staff "
        "for the County's commitments, to each owner for theirs — overdue, due within N days, "
        "awaiting a trigger for more than M days, or with no date given. Run daily from cron: "
        "a second run the same day sends nothing twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=DUE_SOON_DAYS,
            help="Commitments due within this many days.",
        )
        parser.add_argument(
            "--stale-days",
            type=int,
            default=STALE_TRIGGER_DAYS,
            help="Commitments awaiting a trigger for more than this many days.",
        )

    def handle(self, *args, days: int, stale_days: int, **options) -> None:
        if not 0 <= days <= 365 or not 0 <= stale_days <= 3650:
            raise CommandError("--days must be 0–365 and --stale-days 0–3650.")
        today = timezone.localdate()
        run = send_reminders(today, days, stale_days)
        self.stdout.write(
            f"{today}: sent {len(run.sent)} digest(s); "
            f"{len(run.already_sent)} already sent today; {len(run.failed)} failed."
        )
        if run.failed:
            raise CommandError("Could not send to: " + ", ".join(run.failed))
