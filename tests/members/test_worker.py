"""The real background worker: `manage.py db_worker` processes, against PostgreSQL, sending
through a real SMTP server. Two workers at once still send each member one email.

It always runs on PostgreSQL and fails (never skips) when PostgreSQL cannot be reached: in the
SQLite pass of the suite it runs itself again in a pytest of its own against PostgreSQL
(PG_DATABASE_URL, as scripts/test sets it; a database name of its own)."""

import os
import subprocess
import sys
import urllib.parse

import pytest
from django.db import connection
from django.utils import timezone

from members.models import Delivery
from members.operations import publish_update
from members.tasks import enqueue_delivery
from tests.factories import BargainingUnitFactory, UpdateFactory, member_account
from tests.production.environment import PG_SERVER_URL, REPO, production_env
from upe_confer.roles import setup_roles

on_postgresql = connection.vendor == "postgresql"


@pytest.mark.skipif(on_postgresql, reason="this pass runs the worker test itself, below")
def test_the_worker_test_runs_against_postgresql_from_the_sqlite_pass():
    name = f"upe_worker_{os.getpid()}"
    url = urllib.parse.urlsplit(PG_SERVER_URL)._replace(path=f"/{name}").geturl()
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", __file__],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "1 passed, 1 skipped" in result.stdout


def start_worker(test_database_url: str, smtp_port: int, worker_id: str) -> subprocess.Popen:
    env = production_env(
        DATABASE_URL=test_database_url,
        MAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_USE_TLS="false",
        SITE_URL="https://confer.upe.example",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
            "--worker-id",
            worker_id,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.skipif(not on_postgresql, reason="run by the test above, on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_publishing_then_two_real_workers_send_each_member_one_email(smtp_server):
    setup_roles()
    unit = BargainingUnitFactory(code="008")
    update = UpdateFactory(
        title="CPS pilot", slug="cps-pilot", status="draft", publish_at=None, units=[unit]
    )
    addresses = [f"member{n}@example.org" for n in range(30)]
    for address in addresses:
        member_account(address)
    publish_update(update, at=timezone.now())  # committed: its on_commit enqueues the task
    # The same update enqueued twice, as a double click or a re-run would: two workers, side
    # by side, each picking one of the tasks.
    enqueue_delivery(update.pk)
    # The suite's own test database (pytest-django's test_… name) on the same server.
    url = (
        urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        ._replace(path=f"/{connection.settings_dict['NAME']}")
        .geturl()
    )
    workers = [start_worker(url, smtp_server.port, f"worker-{n}") for n in range(2)]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    received = sorted(to[0] for to, _ in smtp_server.messages)
    assert received == sorted(addresses)  # every member, once
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 30
    _, message = smtp_server.messages[0]
    assert (
        "https://confer.upe.example/updates/cps-pilot/"
        in message.get_body(("plain",)).get_content()
    )
