"""Journey 3, Member: read the updates without signing in (filter by unit, open one, read its
facts, search), never reach a draft, and sign in to read a members-only update. On a phone too."""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.demo import load_demo
from members.models import Update
from members.operations import create_member_account, generate_update, publish_update
from sessions.models import BargainingUnit
from tests.e2e.checks import PHONE, assert_no_horizontal_scroll
from tests.factories import UpdateFactory
from upe_confer.roles import setup_roles

PASSWORD = "a member's long passphrase"


@dataclass
class News:
    pilot: Update  # 2020, unit 008
    cares: Update  # 2023, units 005 and 008
    unit_005_only: Update
    draft: Update
    members_only: Update


@pytest.fixture
def news(transactional_db) -> News:
    """The two seed sessions' updates, published the evening of each meeting (as
    `manage.py publish_demo_updates` does), beside a 005-only update, a draft and a
    members-only update, the last two about CARES as well."""
    setup_roles()
    published = []
    for session in load_demo():
        update = generate_update(session)
        evening = datetime.datetime.combine(session.date, datetime.time(17))
        publish_update(update, at=timezone.make_aware(evening))
        published.append(update)
    unit_005, unit_008 = BargainingUnit.objects.order_by("code")
    return News(
        *published,
        unit_005_only=UpdateFactory(
            title="005 Meet & Confer Update: Parking at the Branch Center",
            slug="005-parking",
            units=[unit_005],
        ),
        draft=UpdateFactory(
            title="008 Meet & Confer Update: CARES go-live (draft)",
            slug="008-cares-go-live",
            body="CARES go-live dates, not yet confirmed.",
            status=Update.Status.DRAFT,
            publish_at=None,
            units=[unit_008],
        ),
        members_only=UpdateFactory(
            title="For members: our CARES testing strategy",
            slug="members-cares-strategy",
            body="How we answer the County's CARES testing request, unit by unit.",
            visibility=Update.Visibility.MEMBERS,
            units=[unit_008],
        ),
    )


def test_anonymous_member_filters_by_unit_reads_the_facts_and_searches(
    page: Page, check_page, news: News
):
    page.goto(reverse("members:update_list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meet-and-confer updates")
    expect(page.get_by_role("link", name=news.unit_005_only.title)).to_be_visible()
    expect(page.get_by_role("link", name=news.members_only.title)).to_have_count(0)
    expect(page.get_by_role("link", name=news.draft.title)).to_have_count(0)
    check_page(page)

    page.get_by_label("Unit").select_option(label="008 Bargaining Unit 008")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]unit=008"))
    expect(page.get_by_role("link", name=news.cares.title)).to_be_visible()
    expect(page.get_by_role("link", name=news.pilot.title)).to_be_visible()
    expect(page.get_by_role("link", name=news.unit_005_only.title)).to_have_count(0)
    check_page(page)

    page.get_by_role("link", name=news.cares.title).click()
    expect(page).to_have_title(f"{news.cares.title} · United Public Employees")
    article = page.get_by_role("article")
    expect(article.get_by_role("heading", level=1)).to_have_text(
        "005 and 008 Meet & Confer Update: CARES testing"
    )
    # The facts of the seed article: dates, positions in order, the commitment, the advocates.
    expect(article.locator("time")).to_have_text("September 15, 2023")
    for fact in [
        "On September 15, 2023, UPE met with the County to discuss CARES testing.",
        "The County proposed: The Department needs one to four (1-4) testers",
        "(October 16th through October 29th)",
        "UPE countered: It sounded as if the Department wanted to cherry-pick their favorites",
        "UPE proposed: To give names of union-affiliated staff to the County",
        "The County refused: It was emphatic in saying it was unwilling to offer",
        "UPE's view: This is unacceptable.",
        "UPE committed to: Provide the County with some names of 005 and 008 staff. "
        "(no date given)",
        "Reassess your willingness to participate in this testing",
        "Huge thanks to Sarah Singleton and Eric Booker",
    ]:
        expect(article).to_contain_text(fact)
    text = article.inner_text()
    assert text.index("The Department needs one to four") < text.index("cherry-pick their")
    assert text.index("cherry-pick their") < text.index("blanket workload relief")
    # A print stylesheet is linked for print only, and is served.
    print_css = page.locator('link[rel="stylesheet"][media="print"]')
    expect(print_css).to_have_attribute("href", re.compile(r"print\.css$"))
    assert page.request.get(print_css.get_attribute("href")).ok
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("link", name="All updates")).to_be_hidden()
    expect(article).to_contain_text("Huge thanks to Sarah Singleton and Eric Booker")
    page.emulate_media(media="screen")
    check_page(page)

    page.get_by_role("link", name="All updates").click()
    page.get_by_label("Search updates").fill("CARES")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("1 update found for “CARES”")
    expect(page.get_by_role("link", name=news.cares.title)).to_be_visible()
    check_page(page)

    # A draft answers 404, even at its exact address.
    response = page.goto(news.draft.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_text(news.draft.title)).to_have_count(0)
    check_page(page)


def test_a_member_signs_in_to_read_a_members_only_update(
    page: Page, check_page, new_context, news: News
):
    member = create_member_account("pat@example.org", "Pat", "Rivera")
    member.set_password(PASSWORD)
    member.save()

    # Anonymous, the members-only update is not listed, and its address asks for a sign-in.
    page.goto(reverse("members:update_list"))
    expect(page.get_by_role("link", name=news.members_only.title)).to_have_count(0)
    page.goto(news.members_only.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("article")).to_have_count(0)
    check_page(page)

    page.get_by_label("Username").fill("pat@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Back to the update, now readable.
    expect(page).to_have_url(re.compile(re.escape(news.members_only.get_absolute_url()) + "$"))
    article = page.get_by_role("article")
    expect(article.get_by_role("heading", level=1)).to_have_text(news.members_only.title)
    expect(article).to_contain_text("Members only")
    expect(article).to_contain_text("How we answer the County's CARES testing request")
    check_page(page)

    page.get_by_role("link", name="All updates").click()
    expect(page.get_by_role("link", name=news.members_only.title)).to_be_visible()
    check_page(page)

    # In another browser, not signed in, the list still leaves it out.
    anonymous = new_context().new_page()
    anonymous.goto(reverse("members:update_list"))
    expect(anonymous.get_by_role("link", name=news.cares.title)).to_be_visible()
    expect(anonymous.get_by_role("link", name=news.members_only.title)).to_have_count(0)


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_member_pages_fit_a_phone(page: Page, check_page, news: News):
    cares_topic = news.cares.topics.get()
    pages = [
        reverse("members:update_list") + "?unit=008&topic=",
        news.cares.get_absolute_url(),
        reverse("members:search") + "?q=CARES",
        # Not on the desktop journeys: the unit page and the topic's timeline.
        reverse("members:unit_detail", args=["008"]),
        reverse("members:topic_detail", args=[cares_topic.slug]),
    ]
    for url in pages:
        page.goto(url)
        expect(page.get_by_text(news.cares.title).first).to_be_visible()
        assert_no_horizontal_scroll(page)
        check_page(page)
