"""Update emails through Django's SMTP backend to a real SMTP server (aiosmtpd), read back."""

import datetime

import pytest
import time_machine

from members import notify
from members.models import Delivery
from tests.factories import BargainingUnitFactory, UpdateFactory, member_account

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 17, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=True)
def test_update_email_through_a_real_smtp_server_with_a_bounce_in_the_batch(
    roles, smtp_mailer, settings
):
    settings.SITE_URL = "https://confer.upe.example"
    unit = BargainingUnitFactory(code="008")
    update = UpdateFactory(
        title="CPS pilot", slug="cps-pilot", summary="Volunteers test it.", units=[unit]
    )
    for address in ["a@example.org", "bounce@example.org", "z@example.org"]:
        member_account(address)
    run = notify.deliver(update.pk)
    assert (run.sent, run.failed) == (2, 1)
    assert sorted(to[0] for to, _ in smtp_mailer.messages) == ["a@example.org", "z@example.org"]
    _, message = smtp_mailer.messages[0]
    assert message["Subject"] == "United Public Employees: CPS pilot"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith(
        "<https://confer.upe.example/account/unsubscribe/"
    )
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Volunteers test it." in plain and "Volunteers test it." in html
    assert "https://confer.upe.example/updates/cps-pilot/" in html
    bounced = Delivery.objects.get(email="bounce@example.org")
    assert bounced.status == Delivery.Status.FAILED
    assert "No such user" in bounced.error
