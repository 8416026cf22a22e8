import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from members.demo import load_demo
from members.models import Update
from members.operations import generate_update, publish_update


class Command(BaseCommand):
    help = (
        "Load the demo sessions and publish an update generated from each one that has none yet "
        "(safe to run again), so the members' pages have something to show."
    )

    def handle(self, *args, **options) -> None:
        for session in load_demo():
            if Update.objects.filter(session=session).exists():
                continue
            update = generate_update(session)
            # Dated the evening of the meeting, as the news item went out then.
            at = timezone.make_aware(datetime.datetime.combine(session.date, datetime.time(17)))
            publish_update(update, at=at)
            self.stdout.write(f"Published “{update.title}” at {update.get_absolute_url()}")
