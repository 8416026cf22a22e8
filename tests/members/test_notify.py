"""Members hear of a new update: one email per subscribed member, sent by the worker when the
update goes live, at most once each, whatever happens to the worker."""

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from members import notify
from members.models import Delivery, Update
from members.operations import publish_update, unpublish_update, withdraw_update
from tests.factories import BargainingUnitFactory, UpdateFactory, UserFactory, member_account
from tests.worker import failed_tasks, run_ready_tasks

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 17, 0, tzinfo=datetime.UTC)


@pytest.fixture
def unit(roles):
    return BargainingUnitFactory(code="008", name="Bargaining Unit 008")


@pytest.fixture
def other_unit(roles):
    return BargainingUnitFactory(code="005", name="Bargaining Unit 005")


@pytest.fixture
def draft(unit):
    return UpdateFactory(
        title="008 Meet & Confer Update: CPS pilot",
        slug="cps-pilot",
        summary="The County will test the pilot with volunteers.",
        status=Update.Status.DRAFT,
        publish_at=None,
        units=[unit],
    )


def publish(update, at, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish_update(update, at=at, now=NOW)


def recipients_of_outbox() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@time_machine.travel(NOW, tick=False)
def test_publishing_sends_one_email_per_subscribed_member(
    draft, unit, other_unit, django_capture_on_commit_callbacks
):
    member_account("every@example.org")  # no choice made: every unit
    member_account("mine@example.org", units=[unit])
    member_account("other@example.org", units=[other_unit])
    member_account("off@example.org", email_updates=False)
    UserFactory(username="staffer", email="staffer@example.org")  # not a member
    publish(draft, NOW, django_capture_on_commit_callbacks)
    assert mail.outbox == []  # nothing is sent in the request
    run_ready_tasks()
    assert failed_tasks() == []
    assert recipients_of_outbox() == ["every@example.org", "mine@example.org"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    # Running again, or publishing again, sends nobody anything twice.
    notify.deliver(draft.pk)
    publish(draft, NOW, django_capture_on_commit_callbacks)
    run_ready_tasks()
    assert len(mail.outbox) == 2


@time_machine.travel(NOW, tick=False)
def test_the_email_carries_the_published_update_and_an_unsubscribe_link(
    draft, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://confer.upe.example"
    member_account("ana@example.org")
    draft.body = "INTERNAL-LOOKING BODY TEXT"
    draft.save()
    publish(draft, NOW, django_capture_on_commit_callbacks)
    run_ready_tasks()
    [message] = mail.outbox
    assert message.subject == "United Public Employees: 008 Meet & Confer Update: CPS pilot"
    link = "https://confer.upe.example/updates/cps-pilot/"
    html = message.alternatives[0].content
    for text in (message.body, html):
        assert "The County will test the pilot with volunteers." in text
        assert link in text
        assert "United Public Employees" in text and "Sacramento, CA 95826" in text
        assert "INTERNAL-LOOKING" not in text  # the summary and a link, never the text itself
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://confer.upe.example/account/unsubscribe/")
    assert unsubscribe[1:-1] in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_scheduled_update_is_sent_at_its_time_and_not_before(
    draft, django_capture_on_commit_callbacks
):
    member_account("ana@example.org")
    go_live = NOW + datetime.timedelta(hours=3)
    with time_machine.travel(NOW, tick=False):
        publish(draft, go_live, django_capture_on_commit_callbacks)
        run_ready_tasks()
    with time_machine.travel(go_live - datetime.timedelta(seconds=1), tick=False):
        run_ready_tasks()
    assert mail.outbox == []
    with time_machine.travel(go_live, tick=False):
        run_ready_tasks()
    assert recipients_of_outbox() == ["ana@example.org"]


def test_a_rescheduled_update_is_sent_once_at_the_new_time(
    draft, django_capture_on_commit_callbacks
):
    member_account("ana@example.org")
    first, later = NOW + datetime.timedelta(hours=1), NOW + datetime.timedelta(hours=5)
    with time_machine.travel(NOW, tick=False):
        publish(draft, first, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            publish_update(draft, at=later, now=NOW)
    with time_machine.travel(first, tick=False):
        run_ready_tasks()
    assert mail.outbox == []
    with time_machine.travel(later + datetime.timedelta(days=1), tick=False):
        run_ready_tasks()
    assert recipients_of_outbox() == ["ana@example.org"]


@pytest.mark.parametrize("take_back", [unpublish_update, withdraw_update])
def test_a_draft_or_withdrawn_update_sends_nothing(
    draft, take_back, django_capture_on_commit_callbacks
):
    member_account("ana@example.org")
    with time_machine.travel(NOW, tick=False):
        publish(draft, NOW + datetime.timedelta(hours=1), django_capture_on_commit_callbacks)
        take_back(draft)
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        run_ready_tasks()
        notify.deliver(draft.pk)
    assert mail.outbox == []
    assert not Delivery.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_members_only_update_reaches_no_non_member(
    draft, django_capture_on_commit_callbacks, staff_user
):
    draft.visibility = Update.Visibility.MEMBERS
    draft.save()
    member_account("ana@example.org")
    former = member_account("former@example.org")
    former.is_active = False
    former.save()
    UserFactory(username="outsider", email="outsider@example.org")
    publish(draft, NOW, django_capture_on_commit_callbacks)
    run_ready_tasks()
    assert recipients_of_outbox() == ["ana@example.org"]
    assert staff_user.email not in recipients_of_outbox()


class DiesAfter:
    """A mailer that hands `count` messages over, then dies as a killed worker would."""

    def __init__(self, count: int):
        self.count = count

    def __call__(self, messages):
        if self.count == 0:
            raise SystemExit("worker killed")
        self.count -= 1
        mail.outbox.extend(messages)
        return len(messages)


@time_machine.travel(NOW, tick=True)
def test_a_worker_that_dies_mid_batch_is_followed_up_and_nobody_gets_it_twice(
    draft, django_capture_on_commit_callbacks, monkeypatch
):
    for n in range(7):
        member_account(f"m{n}@example.org")
    monkeypatch.setattr(notify, "BATCH_SIZE", 3)
    original = EmailBackend.send_messages
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, messages: dies(messages))
    dies = DiesAfter(4)  # the 5th message is in the SMTP server's hands when the worker dies
    publish(draft, NOW, django_capture_on_commit_callbacks)
    run_ready_tasks()
    assert len(mail.outbox) == 4
    statuses = list(Delivery.objects.order_by("pk").values_list("status", flat=True))
    assert statuses.count(Delivery.Status.SENT) == 4
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    # The worker restarts: the run enqueued as a check-up finds the work half done.
    run_ready_tasks()
    assert len(mail.outbox) == 4  # too soon: the batch may still be in progress elsewhere
    with time_machine.travel(timezone.now() + notify.STALE_AFTER * 2, tick=False):
        run_ready_tasks()
    sent_to = recipients_of_outbox()
    assert len(sent_to) == len(set(sent_to)) == 6
    uncertain = Delivery.objects.get(status=Delivery.Status.FAILED)
    assert uncertain.email not in sent_to
    assert "may or may not have arrived" in uncertain.error
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 6


class RefusesBounces:
    def __call__(self, messages):
        for message in messages:
            if message.to[0].startswith("bounce"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        mail.outbox.extend(messages)
        return len(messages)


@time_machine.travel(NOW, tick=False)
def test_a_refused_recipient_is_recorded_and_the_batch_goes_on_and_staff_can_resend(
    draft, django_capture_on_commit_callbacks, monkeypatch
):
    member_account("a@example.org")
    member_account("bounce@example.org")
    member_account("z@example.org")
    refuses = RefusesBounces()
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, messages: refuses(messages))
    publish(draft, NOW, django_capture_on_commit_callbacks)
    run_ready_tasks()
    assert recipients_of_outbox() == ["a@example.org", "z@example.org"]
    failed = Delivery.objects.get(status=Delivery.Status.FAILED)
    assert failed.email == "bounce@example.org"
    assert "No such user" in failed.error
    # Staff resend the failed ones: only those are tried again.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.resend_failed(Delivery.objects.all()) == 1
    run_ready_tasks()
    assert recipients_of_outbox() == ["a@example.org", "bounce@example.org", "z@example.org"]
