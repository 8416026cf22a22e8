"""Member pages are cached (ETag, Last-Modified, 304, a kept rendering) and never stale: after a
publish, an edit, a withdrawal, a return to draft or a scheduled time passing, the next request
shows it, on every page that lists the update."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from members.models import SiteConfiguration, Update
from members.operations import publish_update, unpublish_update, withdraw_update
from tests.factories import BargainingUnitFactory, TopicFactory, UpdateFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 17, 0, 0, 250_000, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture(autouse=True)
def site_configuration(clock):
    """Made by the first page that needs it on a live site: here before the first page."""
    return SiteConfiguration.current()


@pytest.fixture
def unit():
    return BargainingUnitFactory(code="008", name="Social Services")


@pytest.fixture
def topic():
    return TopicFactory(name="CARES testing")


@pytest.fixture
def news(unit, topic):
    """A published public update every page lists."""
    return UpdateFactory(title="Telework zebra", slug="telework", units=[unit], topics=[topic])


def pages(unit, topic) -> dict[str, str]:
    return {
        "list": reverse("members:update_list"),
        "filtered list": reverse("members:update_list") + f"?unit={unit.code}",
        "unit": reverse("members:unit_detail", args=[unit.code]),
        "topic": reverse("members:topic_detail", args=[topic.slug]),
        "search": reverse("members:search") + "?q=zebra",
        "feed": reverse("members:feed"),
        "unit feed": reverse("members:unit_feed", args=[unit.code]),
        "detail": reverse("members:update_detail", args=["telework"]),
    }


def revisit(client: Client, url: str, before, date_only: bool = False):
    """Ask again the way a browser does with the copy it has: If-None-Match (unless it only
    kept the date) and If-Modified-Since."""
    headers = {}
    if "ETag" in before and not date_only:
        headers["if-none-match"] = before["ETag"]
    if "Last-Modified" in before:
        headers["if-modified-since"] = before["Last-Modified"]
    return client.get(url, headers=headers)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_unchanged_pages_answer_304_by_etag_and_by_date(client, member, clock, news, who):
    if who == "member":
        client.force_login(member)
        client.get(reverse("members:signed_in"), follow=True)  # a browser has its CSRF cookie
    clock.shift(5 * SECOND)
    for name, url in pages(*news.units.all(), news.topics.get()).items():
        first = client.get(url)
        assert first.status_code == 200, name
        assert "Telework zebra" in first.text, name
        assert first["ETag"] and first["Last-Modified"], name
        # A proxy may share an anonymous visitor's page for a few seconds; never a member's.
        expected = "private" if who == "member" else "public, max-age=0, s-maxage=10"
        assert expected in first["Cache-Control"], name
        for again in (revisit(client, url, first), revisit(client, url, first, date_only=True)):
            assert again.status_code == 304, name
            assert again["Cache-Control"] == first["Cache-Control"], name


SHOWN, GONE = "shown", "gone"


@pytest.mark.parametrize(
    "change, expected",
    [
        ("publish", SHOWN),
        ("edit", SHOWN),
        ("scheduled time passes", SHOWN),
        ("edit in bulk", SHOWN),
        ("withdraw", GONE),
        ("unpublish", GONE),
        ("withdraw in bulk", GONE),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("date_only", [False, True], ids=["etag", "date only"])
def test_a_change_is_seen_on_the_next_request_on_every_page(
    client, member, clock, unit, topic, news, change, expected, who, date_only, version_store
):
    labels = {"units": [unit], "topics": [topic]}
    if change == "publish":
        fresh = UpdateFactory(
            title="Fresh zebra", slug="fresh", status="draft", publish_at=None, **labels
        )
        act = lambda: publish_update(fresh, at=START + 2 * SECOND)  # noqa: E731
    elif change == "scheduled time passes":
        fresh = UpdateFactory(title="Fresh zebra", slug="fresh", publish_at=START, **labels)
        publish_update(fresh, at=START + datetime.timedelta(hours=1), now=START)
        act = lambda: clock.shift(datetime.timedelta(hours=1))  # noqa: E731
    elif change == "edit":
        fresh = news

        def act():
            news.title = "Fresh zebra, corrected"
            news.save()
    elif change == "edit in bulk":  # queryset.update(): no model signal, still seen
        fresh = news
        act = lambda: Update.objects.filter(pk=news.pk).update(title="Fresh zebra")  # noqa: E731
    elif change == "withdraw in bulk":
        fresh = news
        withdrawn = Update.Status.WITHDRAWN
        act = lambda: Update.objects.filter(pk=news.pk).update(status=withdrawn)  # noqa: E731
    else:
        fresh = news
        operation = {"withdraw": withdraw_update, "unpublish": unpublish_update}[change]
        act = lambda: operation(news)  # noqa: E731
    if who == "member":
        client.force_login(member)
    urls = pages(unit, topic)
    if fresh is not news:
        urls["detail"] = fresh.get_absolute_url()
    clock.shift(5 * SECOND)
    before = {name: client.get(url) for name, url in urls.items()}

    act()
    clock.shift(2 * SECOND)
    for name, url in urls.items():
        after = revisit(client, url, before[name], date_only=date_only)
        if expected == SHOWN:
            assert after.status_code == 200, name
            assert "Fresh zebra" in after.text, name
        elif name == "detail":
            assert after.status_code == 404, name
        else:
            assert after.status_code == 200, name
            assert "Telework zebra" not in after.text, name


def test_a_scheduled_update_appears_at_its_time_to_a_browser_that_asks_within_the_second(
    client, clock, unit, topic, news
):
    """The go-live time is part of the page's date: an update going live a moment after the
    browser last asked is not hidden by If-Modified-Since."""
    scheduled = UpdateFactory(title="Fresh zebra", slug="fresh", units=[unit], topics=[topic])
    publish_update(scheduled, at=START + datetime.timedelta(minutes=10), now=START)
    clock.shift(datetime.timedelta(minutes=10) - SECOND / 2)
    before = client.get(reverse("members:update_list"))
    assert "Fresh zebra" not in before.text
    clock.shift(SECOND)
    after = revisit(client, reverse("members:update_list"), before, date_only=True)
    assert after.status_code == 200
    assert "Fresh zebra" in after.text


def test_members_only_updates_are_never_served_to_anonymous_visitors(
    client, member, clock, unit, topic, news
):
    UpdateFactory(
        title="Members zebra",
        slug="members-zebra",
        visibility=Update.Visibility.MEMBERS,
        units=[unit],
        topics=[topic],
    )
    clock.shift(5 * SECOND)
    client.force_login(member)
    urls = {
        **pages(unit, topic),
        "detail": reverse("members:update_detail", args=["members-zebra"]),
    }
    seen = {name: client.get(url) for name, url in urls.items()}
    assert "Members zebra" in seen["list"].text and "Members zebra" in seen["detail"].text

    # A second browser, signed out, with the member's copy's validators (say, a shared proxy).
    anonymous = Client()
    for name, url in urls.items():
        response = revisit(anonymous, url, seen[name])
        assert response.status_code != 304, name
        assert "Members zebra" not in response.content.decode(), name
    assert anonymous.get(urls["detail"]).status_code == 302  # to the sign-in page

    # Signed out in the same browser: the member's kept pages are not served either.
    client.logout()
    assert "Members zebra" not in client.get(urls["list"]).text
    assert revisit(client, urls["list"], seen["list"]).status_code == 200


def test_pages_of_staff_who_edit_updates_are_not_kept(communications_client, clock, news):
    """Staff see drafts and scheduled updates in the lists: their pages are made each time."""
    response = communications_client.get(reverse("members:update_list"))
    assert response.status_code == 200
    assert "ETag" not in response


def test_a_renamed_unit_is_seen_at_once(client, clock, unit, topic, news):
    url = reverse("members:unit_detail", args=[unit.code])
    clock.shift(5 * SECOND)
    before = client.get(url)
    unit.name = "Human Assistance"
    unit.save()
    clock.shift(2 * SECOND)
    after = revisit(client, url, before)
    assert after.status_code == 200
    assert "Human Assistance" in after.text
