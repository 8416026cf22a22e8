"""Run the background tasks that are due, in this process, the way `db_worker` runs each one
(its own `run_task`), inside the test's transaction. tests/members/test_worker.py runs the real
`db_worker` processes."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_ready_tasks(limit: int = 100) -> int:
    """Run every task that is due now (as `timezone.now()` says: time-machine moves it)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit and (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def failed_tasks() -> list[str]:
    return [r.traceback for r in DBTaskResult.objects.failed()]
