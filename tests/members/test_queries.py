"""Members' pages run the same number of queries with 5 updates as with 500."""

import datetime

import pytest
from django.urls import reverse

from members.models import SiteConfiguration, Update, render_markdown
from tests.factories import BargainingUnitFactory, TopicFactory

pytestmark = pytest.mark.django_db

# The most any page needs (the filtered list: page count, page, units and topics of the page, the
# filter's unit and topic choices and lookups, and its freshness check: the pages are cached, see
# members/freshness.py). A signed-in member adds four: their session, their user, and their user
# and group permissions. Asked again, a page is served from the cache: knowing it is still fresh
# costs one primary-key lookup of the version in the database, none when the version is in a
# shared cache (Redis); a signed-in member's session, user and permissions add up to four.
MAX_QUERIES = {"anonymous": 10, "member": 14}
CACHED_QUERIES = {("anonymous", "database"): 1, ("anonymous", "cache"): 0}
CACHED_QUERIES |= {("member", store): count + 4 for (_, store), count in CACHED_QUERIES.items()}


def make_updates(count: int, unit, topic) -> None:
    start = datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC)
    body = "## Volunteers\n\nThe County asked for zebra testers.\n"
    updates = Update.objects.bulk_create(
        Update(
            title=f"Update zebra {n}",
            slug=f"update-{n}",
            summary="What happened.",
            body=body,
            body_html=render_markdown(body),
            status=Update.Status.PUBLISHED,
            visibility=Update.Visibility.MEMBERS if n % 5 == 0 else Update.Visibility.PUBLIC,
            publish_at=start + datetime.timedelta(hours=n),
        )
        for n in range(count)
    )
    Update.units.through.objects.bulk_create(
        Update.units.through(update_id=update.pk, bargainingunit_id=unit.pk) for update in updates
    )
    Update.topics.through.objects.bulk_create(
        Update.topics.through(update_id=update.pk, topic_id=topic.pk) for update in updates
    )


def page_urls(unit, topic) -> dict[str, str]:
    return {
        "list": reverse("members:update_list"),
        "filtered list": reverse("members:update_list") + f"?unit={unit.code}&topic={topic.slug}",
        "unit": reverse("members:unit_detail", args=[unit.code]),
        "topic": reverse("members:topic_detail", args=[topic.slug]),
        "search": reverse("members:search") + "?q=zebra",
        "feed": reverse("members:feed"),
        "unit feed": reverse("members:unit_feed", args=[unit.code]),
        "second page": reverse("members:update_list") + "?page=2",
        "detail": reverse("members:update_detail", args=["update-1"]),
    }


@pytest.mark.parametrize("count", [5, 500])
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_pages_run_a_constant_number_of_queries(
    client,
    member,
    django_assert_max_num_queries,
    count,
    who,
    version_store,
):
    unit, topic = BargainingUnitFactory(code="008"), TopicFactory(name="CARES testing")
    make_updates(count, unit, topic)
    SiteConfiguration.current()  # as on a live site: made by the first page that needs it
    if who == "member":
        client.force_login(member)
        # A signed-in browser has its CSRF cookie from its first page (the sign-out button's
        # token): a page made for a browser without one is not kept for the next request.
        client.get(reverse("members:signed_in"), follow=True)
    for name, url in page_urls(unit, topic).items():
        with django_assert_max_num_queries(MAX_QUERIES[who]):
            response = client.get(url)
        assert response.status_code == 200, name
        assert "Update zebra" in response.text or name == "second page" and count == 5, name
        with django_assert_max_num_queries(CACHED_QUERIES[who, version_store]):
            again = client.get(url)
        assert again.content == response.content, name
