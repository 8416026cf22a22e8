"""Telling members that an update is out: who receives it, the email, and sending it in batches.

The database holds the state, never a worker: `deliver()` first records one `Delivery` row per
recipient (unique per member and update), then sends them in batches, each over one SMTP
connection. A batch is claimed in a short transaction (`skip_locked`, so two workers share the
rows and never take the same one); each message is marked as attempted just before it goes to
the SMTP server and as sent (or failed, with the server's answer) just after. So:

- a second run, or a second worker, sends nothing twice: it finds the rows already sent, or
  claimed by the other;
- a worker that dies mid-batch leaves claimed rows behind. After `STALE_AFTER`, a follow-up run
  (enqueued before the first message goes out) puts the rows never attempted back in the queue,
  and marks failed the one that was being handed over when it died (it may or may not have gone
  out; Staff see it in the admin and may resend it): nobody gets the update twice, nothing is lost;
- a refused recipient is recorded as failed and the batch goes on.

An email carries only the published update: its title, summary and link (never the record).
"""

import datetime
import logging
import smtplib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Delivery, MemberAccount, SiteConfiguration, Subscription, Update

logger = logging.getLogger(__name__)

BATCH_SIZE = 200  # messages per SMTP connection
STALE_AFTER = datetime.timedelta(minutes=15)  # far longer than a batch takes
UNSUBSCRIBE_SALT = "members.unsubscribe"


# --- Who receives an update ---------------------------------------------------------------------


def recipients(update: Update) -> QuerySet[User]:
    """Active member accounts with an email address, subscribed to one of the update's units
    (no subscription row means every unit), who have not turned update emails off. A
    members-only update goes only to those who may read it."""
    members = MemberAccount.objects.filter(is_active=True).exclude(email="")
    if update.members_only:
        members = members.filter(
            pk__in=User.objects.with_perm(
                "members.read_members_only_update",
                include_superusers=False,
                # Named: with a second backend (django-axes) Django cannot guess which to ask.
                backend="django.contrib.auth.backends.ModelBackend",
            ).values("pk")
        )
    chose_units = Subscription.objects.filter(all_units=False)
    return (
        members.exclude(pk__in=Subscription.objects.filter(email_updates=False).values("user"))
        .filter(
            ~Q(pk__in=chose_units.values("user"))
            | Q(pk__in=chose_units.filter(units__in=update.units.all()).values("user"))
        )
        .order_by("pk")
    )


# --- Unsubscribing without signing in ------------------------------------------------------------


def unsubscribe_token(user: User) -> str:
    """A signed token naming one user: it unsubscribes that user and nobody else."""
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_from_unsubscribe_token(token: str) -> User | None:
    """The user a token names; None if it was tampered with (or the user is gone)."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def absolute(path: str) -> str:
    return settings.SITE_URL + path


# --- The email -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """What an email about an update may say: the published title, summary and link, and the
    union's own details. Built once per batch."""

    title: str
    summary: str
    url: str
    members_only: bool
    union_name: str
    contact_lines: list[str]

    @classmethod
    def of(cls, update: Update) -> "Announcement":
        site = SiteConfiguration.current()
        contact = [
            *site.address_lines(),
            *([f"Phone {site.phone}"] if site.phone else []),
            *([f"Fax {site.fax}"] if site.fax else []),
            *([site.email] if site.email else []),
            *([site.website] if site.website else []),
        ]
        return cls(
            title=update.title,
            summary=update.summary,
            url=absolute(update.get_absolute_url()),
            members_only=update.members_only,
            union_name=site.union_name,
            contact_lines=contact,
        )


def message_for(announcement: Announcement, delivery: Delivery) -> EmailMultiAlternatives:
    unsubscribe_url = absolute(
        reverse("members:unsubscribe", args=[unsubscribe_token(delivery.user)])
    )
    context = {
        "update": announcement,
        "unsubscribe_url": unsubscribe_url,
        "account_url": absolute(reverse("members:account")),
    }
    message = EmailMultiAlternatives(
        subject=f"{announcement.union_name}: {announcement.title}",
        body=render_to_string("members/email/update.txt", context),
        to=[delivery.email],
        headers={
            # RFC 8058: mail clients show "Unsubscribe" and POST to the link in one click.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("members/email/update.html", context), "text/html")
    return message


# --- Sending -------------------------------------------------------------------------------------


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0
    note: str = ""

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "note": self.note}


def record_deliveries(update: Update) -> int:
    """One pending row per recipient not yet recorded; safe to run again (unique per member)."""
    rows = [
        Delivery(update=update, user_id=pk, email=email)
        for pk, email in recipients(update).values_list("pk", "email").iterator(chunk_size=2000)
    ]
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def release_interrupted(update: Update, now: datetime.datetime) -> int:
    """Rows claimed by a worker that has not finished them in `STALE_AFTER`: it died. Those it
    never tried go back in the queue; the one it was handing over may have gone out, so it is
    marked failed for Staff to decide (never sent twice without a person asking)."""
    stale = Delivery.objects.filter(
        update=update, status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_AFTER
    )
    uncertain = stale.filter(attempted_at__isnull=False).update(
        status=Delivery.Status.FAILED,
        claim=None,
        error="Interrupted while sending: it may or may not have arrived. Resend if needed.",
    )
    untried = stale.filter(attempted_at__isnull=True).update(
        status=Delivery.Status.PENDING, claim=None, claimed_at=None
    )
    return uncertain + untried


def claim_batch(update: Update, size: int) -> list[Delivery]:
    claim = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(update=update, status=Delivery.Status.PENDING)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        # The status in the filter again: on SQLite (no row locks) two workers may read the
        # same ids, but only one of them changes a row from pending.
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claim=claim, claimed_at=timezone.now()
        )
    return list(Delivery.objects.filter(claim=claim).select_related("user").order_by("pk"))


def send_batch(announcement: Announcement, batch: list[Delivery], run: DeliveryRun) -> None:
    """Every message of the batch over one SMTP connection. A refused recipient is recorded and
    the batch goes on; a lost connection is opened again for the rest."""
    connection = mailers.default
    connection.open()
    try:
        for delivery in batch:
            message = message_for(announcement, delivery)
            Delivery.objects.filter(pk=delivery.pk).update(
                attempted_at=timezone.now(), attempts=F("attempts") + 1
            )
            try:
                connection.send_messages([message])
            except (smtplib.SMTPServerDisconnected, ConnectionError) as error:
                _record_failure(delivery, error, run)
                connection.close()
                connection.open()
            except (smtplib.SMTPException, ValueError) as error:
                # Refused recipient or sender, rejected data, an address that cannot be sent to.
                _record_failure(delivery, error, run)
            else:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.SENT, sent_at=timezone.now(), error="", claim=None
                )
                run.sent += 1
    finally:
        connection.close()


def _record_failure(delivery: Delivery, error: Exception, run: DeliveryRun) -> None:
    logger.warning("Could not send update %s to %s: %s", delivery.update_id, delivery.email, error)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000], claim=None
    )
    run.failed += 1


def deliver(update_id: int, batch_size: int = BATCH_SIZE, check_again=None) -> DeliveryRun:
    """Tell the update's recipients, if the update is live now; safe to run any number of times.

    `check_again(at)` asks for another run at `at` (the task enqueues itself): called before
    the first message goes out, so a worker that dies mid-batch is followed by one that
    finishes the work."""
    now = timezone.now()
    update = Update.objects.filter(pk=update_id).first()
    if update is None or not update.is_live(now):
        # Drafts, withdrawn updates, and scheduled ones whose time has not come (or was moved
        # later: the later publish enqueued its own run).
        return DeliveryRun(note="not live")
    record_deliveries(update)
    release_interrupted(update, now)
    unsettled = Delivery.objects.filter(
        update=update, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    )
    if not unsettled.exists():
        return DeliveryRun(note="nothing to send")
    if check_again is not None:
        check_again(now + STALE_AFTER + datetime.timedelta(minutes=1))
    run = DeliveryRun()
    announcement = Announcement.of(update)
    while batch := claim_batch(update, batch_size):
        send_batch(announcement, batch, run)
    return run


@transaction.atomic
def resend_failed(deliveries: QuerySet[Delivery]) -> int:
    """Staff ask to try the failed ones again: back in the queue, and a run enqueued per update."""
    from .tasks import enqueue_delivery

    failed = deliveries.filter(status=Delivery.Status.FAILED)
    update_ids = set(failed.values_list("update_id", flat=True))
    count = failed.update(
        status=Delivery.Status.PENDING, claim=None, claimed_at=None, attempted_at=None
    )
    for update_id in update_ids:
        transaction.on_commit(lambda update_id=update_id: enqueue_delivery(update_id))
    return count
