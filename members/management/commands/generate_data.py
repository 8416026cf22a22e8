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
        size = parser.add_mutually_exclusive_group()
        size.add_argument("--sessions", type=int, help="How many sessions (default 1000).")
        size.add_argument(
            "--commitments",
            type=int,
            help="As many sessions as it takes to make this many commitments (100000: about "
            "30,000 sessions).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (repeatable).")
        parser.add_argument(
            "--updates", type=int, default=200, help="Member updates to write (at most)."
        )

    def handle(
        self,
        *args,
        sessions: int | None,
        commitments: int | None,
        seed: int,
        updates: int,
        **options,
    ) -> None:
        if commitments is None and sessions is None:
            sessions = 1000
        if sessions is not None and not 1 <= sessions <= 1_000_000:
            raise CommandError("--sessions must be between 1 and 1,000,000.")
        if commitments is not None and not 1 <= commitments <= 3_000_000:
            raise CommandError("--commitments must be between 1 and 3,000,000.")
        started = time.perf_counter()
        if updates < 0:
            raise CommandError("--updates cannot be negative.")
        summary = generate(sessions, seed=seed, updates=updates, commitments=commitments)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Created {summary.sessions} sessions, {summary.agenda_items} agenda items, "
            f"{summary.positions} positions, {summary.commitments} commitments and "
            f"{summary.attendances} attendances ({summary.units} units, {summary.topics} "
            f"unit topics) in {elapsed:.1f} s. Updates: {summary.updates}."
        )
