"""Cached member pages answer 304 while nothing changed, and never show a stale page."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache

from sessions.models import BargainingUnit
from tests.factories import BargainingUnitFactory, UserFactory
from tests.production import conditional_urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.production.conditional_urls")]


@pytest.fixture(autouse=True)
def fresh_cache():
    conditional_urls.renders.clear()


def test_unchanged_page_answers_304_to_a_browser_that_has_it(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, 0, 500_000, tzinfo=datetime.UTC))
    BargainingUnitFactory(code="005", name="Clerical")
    # Last-Modified only for a change at least a second old (HTTP dates have whole seconds).
    assert "Last-Modified" not in client.get("/units/")
    time_machine.shift(datetime.timedelta(seconds=1))
    first = client.get("/units/")
    assert first.status_code == 200
    assert "Clerical" in first.text
    assert first["ETag"] and first["Last-Modified"]
    # Browsers ask each time; a proxy may share an anonymous visitor's page for a few seconds.
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=10"

    again = client.get("/units/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    since = client.get("/units/", headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    assert conditional_urls.renders == ["/units/"]


def test_a_change_in_the_same_second_is_not_hidden_by_last_modified(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, 0, 100_000, tzinfo=datetime.UTC))
    BargainingUnitFactory(code="005", name="Clerical")
    time_machine.shift(datetime.timedelta(milliseconds=300))
    seen = client.get("/units/")
    assert "Last-Modified" not in seen
    BargainingUnitFactory(code="008", name="Social Services")  # the same second
    time_machine.shift(datetime.timedelta(seconds=2))
    # Had the first answer said "modified 09:00:00", a browser asking "modified since 09:00:00?"
    # would now be told no, and miss Social Services. The date comes once it is safe.
    later = client.get("/units/")
    assert later["Last-Modified"] == "Mon, 02 Mar 2026 09:00:00 GMT"
    assert "Social Services" in later.text
    since = client.get("/units/", headers={"if-modified-since": later["Last-Modified"]})
    assert since.status_code == 304


def test_a_second_visitor_gets_the_rendered_page_from_the_cache(
    client, version_store, django_assert_num_queries
):
    BargainingUnitFactory(code="005", name="Clerical")
    client.get("/units/")
    # The stand-in's version and date cost two primary-key lookups in the database, no query in
    # the shared cache.
    with django_assert_num_queries(2 if version_store == "database" else 0):
        response = client.get("/units/")
    assert "Clerical" in response.text
    assert conditional_urls.renders == ["/units/"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda: BargainingUnitFactory(code="099", name="Added"), id="added"),
        pytest.param(
            lambda: BargainingUnit.objects.filter(code="005").update(active=False), id="hidden"
        ),
        pytest.param(lambda: rename("005", "Renamed"), id="edited"),
        pytest.param(lambda: BargainingUnit.objects.filter(code="008").delete(), id="deleted"),
    ],
)
def test_any_change_shows_at_once_never_a_stale_page(client, version_store, change):
    BargainingUnitFactory(code="005", name="Clerical")
    BargainingUnitFactory(code="008", name="Social Services")
    before = client.get("/units/")
    change()
    after = client.get("/units/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.text != before.text
    assert len(conditional_urls.renders) == 2


def test_a_cache_that_lost_the_version_never_serves_an_older_page(client, settings):
    """A Redis restarted (or the key evicted) starts the version again from the clock: no page
    kept under an earlier number can match it."""
    settings.CONTENT_VERSIONS_IN_CACHE = True
    BargainingUnitFactory(code="005", name="Clerical")
    before = client.get("/units/")
    cache.delete(conditional_urls.UNITS.cache_key)
    rename("005", "Renamed")
    after = client.get("/units/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert "Renamed" in after.text


def rename(code: str, name: str) -> None:
    unit = BargainingUnit.objects.get(code=code)
    unit.name = name
    unit.save()


def test_signed_in_pages_are_the_visitors_own(client):
    BargainingUnitFactory(code="005", name="Clerical")
    anonymous = client.get("/units/")
    client.force_login(UserFactory(username="member"))
    signed_in = client.get("/units/", headers={"if-none-match": anonymous["ETag"]})
    assert signed_in.status_code == 200
    assert "csrfmiddlewaretoken" in signed_in.text
    assert "Cookie" in signed_in["Vary"]


def visit(rf, message: str = "", **headers):
    if message:  # the browser comes back with the cookie the message was kept in
        headers["cookie"] = "messages=kept"
    request = rf.get("/units/", headers=headers)
    request.user, request.session = AnonymousUser(), SessionStore()
    request._messages = FallbackStorage(request)
    if message:
        request._messages.add(constants.SUCCESS, message)
    return conditional_urls.unit_list(request)


def test_a_page_with_a_one_time_message_is_rendered_for_that_request_only(rf):
    BargainingUnitFactory(code="005", name="Clerical")
    etag = visit(rf)["ETag"]
    assert visit(rf, **{"if-none-match": etag}).status_code == 304

    shown = visit(rf, "Update published", **{"if-none-match": etag})
    assert shown.status_code == 200
    visit(rf)
    assert conditional_urls.renders == ["/units/", "/units/"]
