"""The daily follow-up digest: one email per person per day listing the open commitments they
follow up that need attention — overdue, due soon, waiting for a trigger too long, or with no
date given — so that every commitment reaches someone, with or without a UPE owner:

- a business agent: every commitment of their units (scoped by sessions.access);
- Staff (who see every unit): the County's commitments of every unit;
- anyone: the commitments they own.

Run it daily from cron (`send_reminders`). Safe to run as often as you like: ReminderLog's
unique (user, day) constraint means a second run on the same day sends nothing twice."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from . import access
from .models import (
    DUE_SOON_DAYS,
    LONG_WAIT_DAYS,
    BargainingUnit,
    Commitment,
    Party,
    ReminderLog,
)

STALE_TRIGGER_DAYS = LONG_WAIT_DAYS

# Each section of a digest: its rule, the report that lists all of them, its heading.
SECTIONS = [
    ("overdue", "overdue", "Overdue"),
    ("due_soon", "due-soon", "Due within {days} days"),
    ("stale", "awaiting-trigger", "Awaiting a trigger for more than {stale_days} days"),
    ("undated", "undated", "No date given"),
]


@dataclass
class ReminderRun:
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def section_rules(today: datetime.date, days: int, stale_days: int) -> dict[str, Q]:
    return {
        "overdue": Commitment.overdue_q(today),
        "due_soon": Commitment.due_within_q(days, today),
        "stale": Commitment.stale_trigger_q(stale_days, today),
        "undated": Commitment.undated_q(),
    }


def digest_scope(user) -> Q:
    """Which commitments a user's digest is about (before the attention rules)."""
    scope = Q(owner=user)
    followed = access.commitments_followed_up_by(user)
    if access.sees_every_unit(user):
        # Staff follow up the County's promises everywhere; UPE's own have their agents.
        scope |= Q(pk__in=followed.filter(party=Party.COUNTY).values("pk"))
    else:
        scope |= Q(pk__in=followed.values("pk"))
    return scope


def digest_commitments(user, today: datetime.date, days: int, stale_days: int):
    rules = section_rules(today, days, stale_days)
    attention = Q()
    for rule in rules.values():
        attention |= rule
    return (
        Commitment.objects.filter(digest_scope(user))
        .filter(attention)
        .with_report_columns()
        .annotate(
            **{
                f"in_{name}": models.ExpressionWrapper(rule, output_field=models.BooleanField())
                for name, rule in rules.items()
            }
        )
        .order_by(models.F("due_date").asc(nulls_last=True), "agenda_item__session__date", "pk")
    )


def digest_recipients():
    """Active users with an email address who follow something up: those who see every unit,
    agents of a unit, owners of an open commitment."""
    User = get_user_model()
    every_unit = User.objects.with_perm(
        "confer.change_all_units", backend="django.contrib.auth.backends.ModelBackend"
    )
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(pk__in=every_unit.values("pk"))
            | Q(pk__in=BargainingUnit.agents.through.objects.values("user"))
            | Q(pk__in=Commitment.objects.open().values("owner"))
        )
        .order_by("pk")
    )


def send_reminders(
    today: datetime.date, days: int = DUE_SOON_DAYS, stale_days: int = STALE_TRIGGER_DAYS
) -> ReminderRun:
    run = ReminderRun()
    already = set(ReminderLog.objects.filter(sent_on=today).values_list("user_id", flat=True))
    for user in digest_recipients():
        if user.pk in already:
            run.already_sent.append(user.email)
            continue
        commitments = list(digest_commitments(user, today, days, stale_days))
        if not commitments:
            continue
        try:
            # The log row and the email stand or fall together: if sending fails, the row is
            # rolled back and the next run tries again. One failure does not stop the others.
            with transaction.atomic():
                ReminderLog.objects.create(
                    user=user, sent_on=today, commitment_count=len(commitments)
                )
                send_digest(user, commitments, today, days, stale_days)
        except IntegrityError:
            # Another run got there first.
            run.already_sent.append(user.email)
        except OSError:  # smtplib's errors included
            run.failed.append(user.email)
        else:
            run.sent.append(user.email)
    return run


def send_digest(user, commitments: list[Commitment], today, days: int, stale_days: int) -> None:
    sections = []
    for name, slug, heading in SECTIONS:
        rows = [c for c in commitments if getattr(c, f"in_{name}")]
        if rows:
            report = (
                reverse("reports:commitments", args=[slug])
                # The reports are in the admin: only for those who may sign in there.
                if user.is_staff and user.has_perm("confer.run_reports")
                else reverse("sessions:agent_home")
            )
            sections.append(
                {
                    "heading": heading.format(days=days, stale_days=stale_days),
                    "commitments": rows,
                    "url": settings.SITE_URL + report,
                }
            )
    counts = ", ".join(f"{len(s['commitments'])} {s['heading'].lower()}" for s in sections)
    body = render_to_string(
        "sessions/email/reminder.txt",
        {"user": user, "sections": sections, "today": today, "staff": access.sees_every_unit(user)},
    )
    send_mail(f"UPE Confer follow-up: {counts}", body, from_email=None, recipient_list=[user.email])
