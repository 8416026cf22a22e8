import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members.models import Update
from tests.factories import BargainingUnitFactory, TopicFactory, UpdateFactory

pytestmark = pytest.mark.django_db

HIDDEN = ["draft", "scheduled", "withdrawn"]


def hidden_update(kind: str, **fields) -> Update:
    now = timezone.now()
    if kind == "draft":
        fields.update(status=Update.Status.DRAFT, publish_at=None)
    elif kind == "scheduled":
        fields.update(status=Update.Status.SCHEDULED, publish_at=now + datetime.timedelta(days=1))
    else:
        fields.update(status=Update.Status.WITHDRAWN, publish_at=now - datetime.timedelta(days=1))
    return UpdateFactory(title=f"Secret {kind} zebra", **fields)


def pages(update: Update) -> dict[str, str]:
    unit, topic = update.units.get(), update.topics.get()
    return {
        "list": reverse("members:update_list"),
        "home": reverse("home"),
        "unit": reverse("members:unit_detail", args=[unit.code]),
        "topic": reverse("members:topic_detail", args=[topic.slug]),
        "search": reverse("members:search") + "?q=zebra",
        "feed": reverse("members:feed"),
        "unit feed": reverse("members:unit_feed", args=[unit.code]),
    }


@pytest.fixture
def unit():
    return BargainingUnitFactory(code="008")


@pytest.fixture
def topic():
    return TopicFactory(name="CARES testing")


@pytest.mark.parametrize("kind", HIDDEN)
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_unpublished_updates_are_invisible_everywhere(client, member, unit, topic, kind, who):
    if who == "member":
        client.force_login(member)
    update = hidden_update(kind, units=[unit], topics=[topic])
    assert client.get(update.get_absolute_url()).status_code == 404
    for name, url in pages(update).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "Secret" not in response.text, name


@pytest.mark.parametrize("kind", HIDDEN)
def test_staff_see_unpublished_updates(communications_client, unit, topic, kind):
    update = hidden_update(kind, units=[unit], topics=[topic])
    response = communications_client.get(update.get_absolute_url())
    assert response.status_code == 200
    assert "members cannot see it yet" in response.text
    assert "Secret" in communications_client.get(reverse("members:update_list")).text


def test_scheduled_update_appears_when_its_time_comes(client, unit, topic):
    publish_at = timezone.now() + datetime.timedelta(hours=2)
    update = UpdateFactory(
        title="Scheduled zebra",
        status=Update.Status.SCHEDULED,
        publish_at=publish_at,
        units=[unit],
        topics=[topic],
    )
    assert client.get(update.get_absolute_url()).status_code == 404
    with time_machine.travel(publish_at + datetime.timedelta(minutes=1)):
        assert client.get(update.get_absolute_url()).status_code == 200
        for name, url in pages(update).items():
            assert "Scheduled zebra" in client.get(url).text, name


def test_published_queryset_counts_scheduled_updates_whose_time_passed():
    now = timezone.now()
    due = UpdateFactory(status=Update.Status.SCHEDULED, publish_at=now)
    UpdateFactory(status=Update.Status.SCHEDULED, publish_at=now + datetime.timedelta(seconds=1))
    UpdateFactory(status=Update.Status.DRAFT, publish_at=None)
    UpdateFactory(status=Update.Status.WITHDRAWN, publish_at=now)
    published = UpdateFactory(status=Update.Status.PUBLISHED, publish_at=now)
    assert set(Update.objects.published(now)) == {due, published}


def members_only(unit, topic) -> Update:
    return UpdateFactory(
        title="Members zebra",
        visibility=Update.Visibility.MEMBERS,
        units=[unit],
        topics=[topic],
    )


def test_members_only_update_asks_anonymous_readers_to_sign_in(client, unit, topic):
    update = members_only(unit, topic)
    response = client.get(update.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    for name, url in pages(update).items():
        assert "Members zebra" not in client.get(url).text, name


def test_members_only_update_is_refused_to_a_signed_in_non_member(client, business_agent):
    update = members_only(BargainingUnitFactory(), TopicFactory())
    client.force_login(business_agent)
    assert client.get(update.get_absolute_url()).status_code == 403


def test_members_only_update_is_visible_to_members(member_client, unit, topic):
    update = members_only(unit, topic)
    response = member_client.get(update.get_absolute_url())
    assert response.status_code == 200
    assert "Members only" in response.text
    feeds = {"feed", "unit feed"}  # feed readers do not sign in: feeds stay public
    for name, url in pages(update).items():
        text = member_client.get(url).text
        assert ("Members zebra" in text) is (name not in feeds), name


def test_detail_page_is_built_for_reading_and_printing(client, unit, topic):
    update = UpdateFactory(
        title="CARES testing update",
        summary="The County wants testers.",
        body="## Volunteers\n\nThe County asked.",
        units=[unit],
        topics=[topic],
    )
    response = client.get(update.get_absolute_url())
    text = response.text
    assert "<title>CARES testing update · United Public Employees</title>" in text
    assert '<meta name="description" content="The County wants testers.">' in text
    assert f'<link rel="canonical" href="http://testserver{update.get_absolute_url()}">' in text
    assert 'href="/static/css/print.css" media="print"' in text
    assert "<h2>Volunteers</h2>" in text
    assert "<script" not in text


def test_home_page_lists_updates(client):
    UpdateFactory(title="Home zebra")
    response = client.get("/")
    assert response.status_code == 200
    assert "Home zebra" in response.text


def test_list_is_newest_first_and_filters_by_unit_and_topic(client):
    u005, u008 = BargainingUnitFactory(code="005"), BargainingUnitFactory(code="008")
    cares, cps = TopicFactory(name="CARES"), TopicFactory(name="CPS")
    base = timezone.now() - datetime.timedelta(days=10)
    UpdateFactory(title="Older", publish_at=base, units=[u005], topics=[cares])
    UpdateFactory(
        title="Newer", publish_at=base + datetime.timedelta(days=1), units=[u008], topics=[cps]
    )
    text = client.get(reverse("members:update_list")).text
    assert text.index("Newer") < text.index("Older")
    by_unit = client.get(reverse("members:update_list"), {"unit": "005"}).text
    assert "Older" in by_unit and "Newer" not in by_unit
    by_topic = client.get(reverse("members:update_list"), {"topic": cps.slug}).text
    assert "Newer" in by_topic and "Older" not in by_topic
    bad = client.get(reverse("members:update_list"), {"unit": "999"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.text


def test_topic_page_is_a_timeline_oldest_first(client):
    topic = TopicFactory(name="CPS Restructure Pilot")
    base = timezone.now() - datetime.timedelta(days=10)
    UpdateFactory(
        title="Second meeting", publish_at=base + datetime.timedelta(days=1), topics=[topic]
    )
    UpdateFactory(title="First meeting", publish_at=base, topics=[topic])
    text = client.get(reverse("members:topic_detail", args=[topic.slug])).text
    assert '<ol class="timeline">' in text
    assert text.index("First meeting") < text.index("Second meeting")


def test_search_finds_words_in_the_body(client):
    UpdateFactory(title="CARES", body="Testers get no workload relief.")
    UpdateFactory(title="CPS", body="Pairing in the field.")
    text = client.get(reverse("members:search"), {"q": "workload"}).text
    assert "CARES" in text
    assert "Pairing" not in text and ">CPS<" not in text
    assert "1 update found" in text


def test_unit_page_and_feed_carry_full_content(client):
    unit = BargainingUnitFactory(code="008")
    UpdateFactory(title="Unit zebra", body="**Full** text here.", units=[unit])
    UpdateFactory(title="Other unit", units=[BargainingUnitFactory(code="005")])
    page = client.get(reverse("members:unit_detail", args=["008"])).text
    assert "Unit zebra" in page and "Other unit" not in page
    feed = client.get(reverse("members:unit_feed", args=["008"]))
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Unit zebra" in feed.text and "Other unit" not in feed.text
    assert "&lt;strong&gt;Full&lt;/strong&gt; text here." in feed.text
    assert client.get(reverse("members:unit_feed", args=["999"])).status_code == 404
