"""The writes of the members' side, each a named operation: write an update from a session
(again), publish, schedule, unpublish or withdraw it, create member accounts. Views, the admin,
commands and tests call these; nothing else writes updates or accounts."""

import datetime
import secrets

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from sessions.models import Session
from upe_confer.roles import Role

from .generation import (
    RecordChange,
    generate_text,
    session_for_generation,
    summary_for,
    unique_slug,
)
from .models import Subscription, Update
from .tasks import enqueue_delivery


@transaction.atomic
def generate_update(session: Session, by=None) -> Update:
    """A new draft update written from the session's record."""
    session = session_for_generation(session.pk)
    title, body = generate_text(session)
    update = Update(
        title=title,
        slug=unique_slug(title, session),
        summary=summary_for(session),
        body=body,
        session=session,
        generated_title=title,
        generated_text=body,
        generated_at=timezone.now(),
        created_by=by,
    )
    save_with_labels(update, session, reason="Generated from the session")
    return update


@transaction.atomic
def regenerate_update(update: Update, change: RecordChange, by=None) -> Update:
    """Replace the text with a fresh generation; the previous text stays in the history."""
    update.title = change.title
    update.summary = change.summary
    update.body = change.body
    update.generated_title = change.title
    update.generated_text = change.body
    update.generated_at = timezone.now()
    session = session_for_generation(update.session_id)
    save_with_labels(update, session, reason="Regenerated from the session")
    return update


def save_with_labels(update: Update, session: Session, reason: str) -> None:
    """Save the update with its session's units and topics as one change in its history.
    (django-simple-history writes a record for the save and one for each many-to-many change:
    one click used to leave three identical rows.)"""
    created = update.pk is None
    update.skip_history_when_saving = True
    try:
        update.save()
        update.units.set(session.units.all())
        update.topics.set({item.topic for item in session.agenda_items.all()})
    finally:
        del update.skip_history_when_saving
    update._change_reason = reason
    update.save(update_fields=["updated_at"])  # the one record, units and topics included
    if created:
        update.history.filter(history_id=update.history.latest().history_id).update(
            history_type="+"
        )


@transaction.atomic
def publish_update(update: Update, at: datetime.datetime, now: datetime.datetime | None = None):
    """Publish now (`at` not after `now`) or schedule for `at`; the history records which."""
    now = now or timezone.now()
    update.publish_at = at
    if at <= now:
        update.status = Update.Status.PUBLISHED
        update._change_reason = "Published"
    else:
        update.status = Update.Status.SCHEDULED
        update._change_reason = f"Scheduled for {timezone.localtime(at):%Y-%m-%d %H:%M}"
    update.save(update_fields=["status", "publish_at", "updated_at"])
    # Members hear of it when it goes live, from a worker: now, or at the scheduled time (the
    # task checks it is still due then). Enqueued once the publication is committed.
    update_id = update.pk
    transaction.on_commit(
        lambda: enqueue_delivery(update_id, at=at if at > now else None), robust=True
    )


@transaction.atomic
def unpublish_update(update: Update) -> None:
    """Back to a draft: off the site, or no longer scheduled."""
    update.status = Update.Status.DRAFT
    update.publish_at = None
    update._change_reason = "Returned to draft"
    update.save(update_fields=["status", "publish_at", "updated_at"])


@transaction.atomic
def withdraw_update(update: Update) -> None:
    """Taken down for good (members get a 404); the text stays in the record and its history."""
    update.status = Update.Status.WITHDRAWN
    update._change_reason = "Withdrawn"
    update.save(update_fields=["status", "updated_at"])


@transaction.atomic
def set_subscription(user: User, email_updates: bool, all_units: bool = True, units=()) -> None:
    """What update emails a member receives: none, every unit's, or only these units'."""
    subscription, _ = Subscription.objects.get_or_create(user=user)
    subscription.email_updates = email_updates
    subscription.all_units = all_units
    subscription.save()
    subscription.units.set([] if all_units else units)


@transaction.atomic
def unsubscribe(user: User) -> None:
    """No more update emails (the one-click link); the chosen units are kept for later."""
    subscription, _ = Subscription.objects.get_or_create(user=user)
    subscription.email_updates = False
    subscription.save(update_fields=["email_updates", "updated_at"])


def member_group() -> Group:
    return Group.objects.get_or_create(name=Role.MEMBER)[0]


def create_member_account(email: str, first_name: str = "", last_name: str = "") -> User:
    """A member's sign-in: the email is the username, and the password is a random secret the
    member replaces through "Forgotten your password?" (the reset form ignores accounts without
    a usable password, so they get an unguessable one rather than none)."""
    user = User.objects.create_user(
        username=email,
        email=email,
        password=secrets.token_urlsafe(32),
        first_name=first_name,
        last_name=last_name,
    )
    user.groups.add(member_group())
    return user


@transaction.atomic
def import_member_roster(rows) -> list[User]:
    """All or nothing: every row of a checked roster becomes a member account."""
    return [create_member_account(row.email, row.first_name, row.last_name) for row in rows]
