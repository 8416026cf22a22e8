"""Daily reminder emails: each owner gets one message listing their commitments that are
overdue or due soon. Safe to run from cron as often as you like: ReminderLog's unique
(user, day) constraint means a second run on the same day sends nothing."""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from .models import Commitment, ReminderLog


@dataclass
class ReminderRun:
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def commitments_to_remind(today: datetime.date, days: int):
    """Open commitments with an owner who has an email address, overdue or due within `days`."""
    return (
        Commitment.objects.filter(
            Commitment.overdue_q(today) | Commitment.due_within_q(days, today)
        )
        .filter(owner__isnull=False, owner__is_active=True)
        .exclude(owner__email="")
        .with_state(today)
        .select_related("owner", "agenda_item__session", "agenda_item__topic")
        .order_by("owner_id", "due_date", "pk")
    )


def send_reminders(today: datetime.date, days: int) -> ReminderRun:
    run = ReminderRun()
    already = set(ReminderLog.objects.filter(sent_on=today).values_list("user_id", flat=True))
    for owner_id, group in groupby(commitments_to_remind(today, days), key=lambda c: c.owner_id):
        commitments = list(group)
        owner = commitments[0].owner
        if owner_id in already:
            run.already_sent.append(owner.email)
            continue
        try:
            # The log row and the email stand or fall together: if sending fails, the row is
            # rolled back and tomorrow's (or the next) run tries again.
            with transaction.atomic():
                ReminderLog.objects.create(
                    user=owner, sent_on=today, commitment_count=len(commitments)
                )
                send_reminder(owner, commitments, today, days)
        except IntegrityError:
            # Another run got there first.
            run.already_sent.append(owner.email)
        except OSError:
            run.failed.append(owner.email)
        else:
            run.sent.append(owner.email)
    return run


def send_reminder(owner, commitments: list[Commitment], today: datetime.date, days: int) -> None:
    overdue = [c for c in commitments if c.is_overdue]
    due_soon = [c for c in commitments if not c.is_overdue]
    subject = f"UPE Confer: {len(overdue)} overdue, {len(due_soon)} due within {days} days"
    body = render_to_string(
        "sessions/email/reminder.txt",
        {"owner": owner, "overdue": overdue, "due_soon": due_soon, "today": today, "days": days},
    )
    send_mail(subject, body, from_email=None, recipient_list=[owner.email])
