"""Background tasks of the members' side (django.tasks, run by `manage.py db_worker`)."""

import datetime

from django.tasks import task

from . import notify


@task
def deliver_update(update_id: int) -> dict:
    """Email a live update to its recipients; does nothing for a draft, a withdrawn update or
    one whose time has not come. Safe to run twice, or on two workers at once."""

    def check_again(at: datetime.datetime) -> None:
        enqueue_delivery(update_id, at=at)

    return notify.deliver(update_id, check_again=check_again).as_dict()


def enqueue_delivery(update_id: int, at: datetime.datetime | None = None) -> None:
    """Run `deliver_update` as soon as a worker is free, or not before `at` (a scheduled
    update's go-live time: no cron needed)."""
    if at is None:
        deliver_update.enqueue(update_id)
    else:
        deliver_update.using(run_after=at).enqueue(update_id)
