"""Two app servers behind one load balancer: what a visitor does through one, the other knows.

Two gunicorn instances with the production settings share a PostgreSQL database made for this
module (created, migrated, dropped) and Redis (cache and sessions). A visitor is sent to either,
as a load balancer would. PostgreSQL and Redis are required: without them these tests fail.

To add a case, use `visitor.submit(server, path, changes)`: it opens the form as the page shows it
and posts it with the changes. Two conflicting edits (optimistic locking on `Session.version`,
once the agent's edit page exists):

    form_a = alice.open_form(first, edit_path)
    form_b = bob.open_form(second, edit_path)
    assert alice.send_form(first, edit_path, form_a, {"summary": "A"}).status == 302
    refused = bob.send_form(second, edit_path, form_b, {"summary": "B"})
    # refused: the form again with the "changed by someone else" message; "A" kept.
"""

import re
import subprocess
import sys
import time

import psycopg
import pytest
import redis

from tests.production.environment import PG_SERVER_URL, REDIS_SERVER_URL, REPO, manage
from tests.production.servers import (
    PUBLIC_HOST,
    AppServer,
    DedicatedDatabase,
    Visitor,
    cluster_environment,
    form_fields,
)

# One worker runs the whole module (scripts/test distributes whole files, --dist loadfile): two
# clusters (one per xdist worker) would each migrate a database, collect and compress the static
# files, and start two servers.

STAFF_PASSWORD = "a long staff password for the test"

SETUP = f"""
from django.core.management import call_command
from django.contrib.auth import get_user_model
call_command("migrate", interactive=False, verbosity=0)
call_command("setup_roles", verbosity=0)
call_command("load_demo", verbosity=0)
call_command("publish_demo_updates", verbosity=0)
get_user_model().objects.create_superuser("staffer", "staffer@upe.example", {STAFF_PASSWORD!r})
get_user_model().objects.create_superuser("colleague", "colleague@upe.example", {STAFF_PASSWORD!r})
"""


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, worker_id):
    """Started once per xdist worker (each worker has its own database and servers, should the
    module's tests ever be spread over workers). Session-scoped, not module-scoped: a worker runs
    other modules' tests between this module's, and a module fixture is set up again after
    each such interruption (twice in a CI run: about 50 s each)."""
    redis.Redis.from_url(REDIS_SERVER_URL, socket_connect_timeout=3).ping()
    base = PG_SERVER_URL.rsplit("/", 1)[-1] or "upe_confer"
    database = DedicatedDatabase(PG_SERVER_URL, f"{base}_servers_{worker_id}")
    database.create()
    workdir = tmp_path_factory.mktemp("servers")
    env = cluster_environment(database.url, REDIS_SERVER_URL, workdir / "static")
    servers = []
    try:
        # Static files do not need the database: collect them while it is migrated.
        collecting = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=REPO,
            env=env,
        )
        # Migrating a database takes a minute or two on a busy 2-core machine.
        manage("shell", "-v", "0", "-c", SETUP, env=env, timeout=300)
        assert collecting.wait(timeout=300) == 0
        servers = [AppServer(name, env, workdir) for name in ("first", "second")]
        yield env, servers
    finally:
        for server in servers:
            server.stop()
        database.drop()
        client = redis.Redis.from_url(REDIS_SERVER_URL)
        for key in client.scan_iter(f"{env['CACHE_KEY_PREFIX']}:*"):
            client.delete(key)


@pytest.fixture
def first(cluster):
    return cluster[1][0]


@pytest.fixture
def second(cluster):
    return cluster[1][1]


def test_both_servers_are_healthy_with_the_database_and_redis(first, second):
    for server in (first, second):
        page = Visitor().get(server, "/healthz")
        assert page.status == 200, server.log()
        assert page.text == "ok\n"


def test_signed_in_through_one_server_still_signed_in_on_the_other(cluster, first, second):
    env, _ = cluster
    visitor = Visitor()
    visitor.sign_in(first, "staffer", STAFF_PASSWORD)

    page = visitor.get(second, "/admin/")
    assert page.status == 200, second.log()
    assert "The meet-and-confer record" in page.text
    # The session is in Redis (cached_db), where every server finds it without a query.
    session_key = visitor.cookies["sessionid"]
    stored = redis.Redis.from_url(REDIS_SERVER_URL).keys(f"{env['CACHE_KEY_PREFIX']}:*")
    assert any(session_key in key.decode() for key in stored)


def test_signing_out_through_one_server_signs_out_on_the_other(first, second):
    visitor = Visitor()
    visitor.sign_in(first, "staffer", STAFF_PASSWORD)
    session_key = visitor.cookies["sessionid"]
    assert visitor.post(second, "/admin/logout/").status == 302
    assert "sessionid" not in visitor.cookies
    # Even the old cookie no longer opens anything, on either server.
    stale = Visitor(cookies={"sessionid": session_key})
    assert stale.get(first, "/admin/").status == 302


def test_an_edit_saved_through_one_server_is_seen_through_the_other(first, second):
    visitor = Visitor()
    visitor.sign_in(second, "staffer", STAFF_PASSWORD)
    changelist = visitor.get(second, "/admin/confer/bargainingunit/")
    unit_path = re.search(r'href="(/admin/confer/bargainingunit/\d+/change/)"', changelist.text)

    saved = visitor.submit(first, unit_path[1], {"name": "Social Services (renamed on first)"})
    assert saved.status == 302, first.log()

    assert "Social Services (renamed on first)" in visitor.get(second, unit_path[1]).text
    another = Visitor()
    another.sign_in(first, "staffer", STAFF_PASSWORD)
    assert "renamed on first" in another.get(second, "/admin/confer/bargainingunit/").text


def test_two_conflicting_edits_through_the_two_servers_one_refused_nothing_lost(
    cluster, first, second
):
    """Two people open the same session in the admin, one through each server, and both save:
    the first save is kept whole, the second is refused with what changed, and saves nothing."""
    env, _ = cluster
    alice, bob = Visitor(), Visitor()
    alice.sign_in(first, "staffer", STAFF_PASSWORD)
    bob.sign_in(second, "colleague", STAFF_PASSWORD)
    changelist = alice.get(first, "/admin/confer/session/")
    edit_path = re.search(r'href="(/admin/confer/session/(\d+)/change/)"', changelist.text)
    session_id = int(edit_path[2])

    form_a = alice.open_form(first, edit_path[1])
    form_b = bob.open_form(second, edit_path[1])
    assert form_a["read_version"] == form_b["read_version"]
    saved = alice.send_form(
        first, edit_path[1], form_a, {"summary": "Alice's summary", "location": "Room A"}
    )
    assert saved.status == 302, first.log()
    refused = bob.send_form(
        second, edit_path[1], form_b, {"summary": "Bob's summary", "next_steps": "Bob's steps"}
    )
    assert refused.status == 200, second.log()
    assert "after you opened it" in refused.text
    assert "your changes were not saved" in refused.text
    assert "Alice&#x27;s summary" in refused.text or "Alice's summary" in refused.text

    with psycopg.connect(env["DATABASE_URL"]) as connection:
        summary, location, next_steps, version = connection.execute(
            "SELECT summary, location, next_steps, version FROM confer_session WHERE id = %s",
            [session_id],
        ).fetchone()
    assert (summary, location) == ("Alice's summary", "Room A")
    assert next_steps == form_a["next_steps"][0].replace("\r\n", "\n")
    assert version == int(form_a["read_version"][0]) + 1
    # Bob, reloading through either server, sees Alice's version and can make his change again.
    assert "Alice&#x27;s summary" in bob.get(first, edit_path[1]).text


def test_a_member_page_kept_by_one_server_shows_an_edit_made_through_the_other(first, second):
    """Pages are kept in the shared cache and answered with 304 by either server, yet an edit
    through one server is on the very next page the other serves."""
    reader = Visitor()
    listing = reader.get(second, "/updates/")
    path = re.search(r'class="update-summary-title"><a href="(/updates/[^"/]+/)"', listing.text)[1]
    page = reader.get(second, path)
    assert page.status == 200, second.log()
    assert reader.get(first, path, {"If-None-Match": page.headers["ETag"]}).status == 304

    staffer = Visitor()
    staffer.sign_in(first, "staffer", STAFF_PASSWORD)
    edit_path = re.search(r'href="(/updates/manage/\d+/)"', staffer.get(first, path).text)[1]
    fields = form_fields(staffer.get(first, edit_path).text, index=1)  # after the nav's sign-out
    saved = staffer.send_form(first, edit_path, fields, {"title": "Corrected through first"})
    assert saved.status == 302, first.log()

    again = reader.get(second, path, {"If-None-Match": page.headers["ETag"]})
    assert again.status == 200
    assert "Corrected through first" in again.text
    assert "Corrected through first" in reader.get(second, "/updates/").text


def test_static_files_are_hashed_compressed_and_cached_for_a_year(first):
    page = Visitor().get(first, "/accounts/login/")
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.text)
    assert stylesheet, "the page links the hashed stylesheet"
    css = Visitor().get(first, stylesheet[1])
    assert css.status == 200
    assert css.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in css.headers["Cache-Control"]
    assert "immutable" in css.headers["Cache-Control"]


def test_every_request_is_logged_with_status_and_duration(first):
    Visitor().get(first, "/healthz?logged")
    Visitor().get(first, "/no-such-page/")
    lines = [
        r'"GET /healthz\?logged HTTP/1\.1" 200 \d+ \d+ms',
        r'"GET /no-such-page/ HTTP/1\.1" 404 \d+ \d+ms',
    ]
    # gunicorn writes a request's line once its answer is sent, from the worker thread that
    # answered it: the visitor may read the answer a moment before the line is written.
    deadline = time.monotonic() + 10
    while not all(re.search(line, first.log()) for line in lines):
        assert time.monotonic() < deadline, first.log()
        time.sleep(0.05)


def test_production_pages_send_hsts_and_secure_cookies(first):
    page = Visitor().get(first, "/accounts/login/")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = page.headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_plain_http_is_sent_to_https_except_the_health_check(first):
    plain = Visitor(forwarded_proto=None)
    page = plain.get(first, "/accounts/login/")
    assert page.status == 301
    assert page.location == f"https://{PUBLIC_HOST}/accounts/login/"
    assert plain.get(first, "/healthz").status == 200
