"""Cached member pages answer 304 while nothing changed, and never show a stale page."""

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
    cache.clear()
    conditional_urls.renders.clear()


def test_unchanged_page_answers_304_to_a_browser_that_has_it(client):
    BargainingUnitFactory(code="005", name="Clerical")
    first = client.get("/units/")
    assert first.status_code == 200
    assert "Clerical" in first.text
    assert first["ETag"] and first["Last-Modified"]
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]

    again = client.get("/units/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    since = client.get("/units/", headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    assert conditional_urls.renders == ["/units/"]


def test_a_second_visitor_gets_the_rendered_page_from_the_cache(client, django_assert_num_queries):
    BargainingUnitFactory(code="005", name="Clerical")
    client.get("/units/")
    with django_assert_num_queries(2):  # the freshness check, nothing else
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
    ],
)
def test_any_change_shows_at_once_never_a_stale_page(client, change):
    BargainingUnitFactory(code="005", name="Clerical")
    BargainingUnitFactory(code="008", name="Social Services")
    before = client.get("/units/")
    change()
    after = client.get("/units/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.text != before.text
    assert len(conditional_urls.renders) == 2


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
