import time

from django.core.management.base import BaseCommand, CommandError

from members.synthetic import generate


class Command(BaseCommand):
    help = (
        "Create realistic synthetic units, topics, sessions, agenda items, positions, "
        "commitments in every state and advocates, for load and scale tests. Adds to what "
        "is there; never use it on the real database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sessions", type=int, default=1000, help="How many sessions.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (repeatable).")
        parser.add_argument(
            "--updates", type=int, default=200, help="Member updates to write (at most)."
        )

    def handle(self, *args, sessions: int, seed: int, updates: int, **options) -> None:
        if not 1 <= sessions <= 1_000_000:
            raise CommandError("--sessions must be between 1 and 1,000,000.")
        started = time.perf_counter()
        if updates < 0:
            raise CommandError("--updates cannot be negative.")
        summary = generate(sessions, seed=seed, updates=updates)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Created {summary.sessions} sessions, {summary.agenda_items} agenda items, "
            f"{summary.positions} positions, {summary.commitments} commitments and "
            f"{summary.attendances} attendances ({summary.units} units, {summary.topics} "
            f"unit topics) in {elapsed:.1f} s. Updates: {summary.updates}."
        )
