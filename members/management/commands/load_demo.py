from django.core.management.base import BaseCommand

from members.demo import load_demo


class Command(BaseCommand):
    help = "Record the two seed news items as sessions (idempotent: run it as often as you like)."

    def handle(self, *args, **options) -> None:
        sessions = load_demo()
        for session in sessions:
            self.stdout.write(f"{session} (units {session.unit_codes}): loaded")
