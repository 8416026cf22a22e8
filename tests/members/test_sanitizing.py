"""Script and event-handler HTML typed into any editable field never runs on a page or a feed."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from members.models import SiteConfiguration, Update
from members.operations import generate_update
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
ONERROR = '<img src="x" onerror="alert(1)">'
PAYLOAD = f"zebra {SCRIPT} {ONERROR} [link](javascript:alert(1))"


class ActiveContent(HTMLParser):
    """Collects what a browser would run: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and not dict(attrs).get("src"):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL on <{tag}>")


def assert_inert(markup: str) -> None:
    parser = ActiveContent()
    parser.feed(markup)
    parser.close()
    assert parser.found == []


def feed_html(xml_text: str) -> list[str]:
    """The HTML a feed reader would render: the text of every <content> and <summary>."""
    root = ET.fromstring(xml_text)
    return [
        el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] in ("content", "summary")
    ]


def reading_pages(client, update: Update) -> list[str]:
    unit, topic = update.units.first(), update.topics.first()
    urls = [
        update.get_absolute_url(),
        reverse("members:update_list"),
        reverse("members:unit_detail", args=[unit.code]),
        reverse("members:topic_detail", args=[topic.slug]),
        reverse("members:search") + "?q=zebra",
    ]
    texts = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.text)
    for url in (reverse("members:feed"), reverse("members:unit_feed", args=[unit.code])):
        response = client.get(url)
        assert "zebra" in response.text
        texts += feed_html(response.text)
    return texts


def test_injected_markup_in_every_field_of_the_edit_form_comes_out_inert(
    communications_client, client
):
    unit = BargainingUnitFactory(code="008")
    topic = TopicFactory(name=f"Topic zebra {SCRIPT}")
    update = Update.objects.create(title="t", slug="t", body="b")
    response = communications_client.post(
        reverse("members:update_edit", args=[update.pk]),
        {
            "title": f"Title {PAYLOAD}"[:200],
            "slug": "injected",
            "summary": f"Summary {PAYLOAD}",
            "visibility": "public",
            "units": [unit.pk],
            "topics": [topic.pk],
            "body": f"Body {PAYLOAD}\n\n<div onmouseover=alert(1)>raw html</div>",
        },
    )
    assert response.status_code == 302, response.content
    update.refresh_from_db()
    assert "zebra" in update.title and SCRIPT in update.body  # kept as typed, neutralised on output
    update.status, update.publish_at = Update.Status.PUBLISHED, update.created_at
    update.save()

    for page in [
        *reading_pages(client, update),
        communications_client.get(reverse("members:update_edit", args=[update.pk])).text,
        communications_client.get(reverse("members:update_preview", args=[update.pk])).text,
        communications_client.get(reverse("members:manage")).text,
    ]:
        assert_inert(page)


def test_injected_markup_in_the_record_comes_out_inert_in_the_generated_update(client):
    item = AgendaItemFactory(
        title=f"Item {SCRIPT}",
        discussion=PAYLOAD,
        outcome=PAYLOAD,
        member_guidance=PAYLOAD,
        topic=TopicFactory(name="Topic zebra"),
    )
    item.session.next_steps = PAYLOAD
    item.session.summary = PAYLOAD
    item.session.save()
    PositionFactory(agenda_item=item, statement=PAYLOAD)
    CommitmentFactory(agenda_item=item, description=PAYLOAD, due_date=None, trigger=ONERROR)
    AttendanceFactory(session=item.session, advocate__name=f"Ann {ONERROR}")
    config = SiteConfiguration.current()
    config.union_name, config.address, config.phone = PAYLOAD[:200], PAYLOAD, SCRIPT[:50]
    config.save()
    update = generate_update(item.session)
    assert_inert(update.body_html)
    update.status, update.publish_at = Update.Status.PUBLISHED, update.created_at
    update.save()
    for page in reading_pages(client, update):
        assert_inert(page)


def test_markdown_still_renders_formatting_and_safe_links():
    update = Update(body="**bold** and [site](https://upe.example/)")
    update.save_base = lambda *a, **k: None  # render without touching the database
    update.save()
    assert "<strong>bold</strong>" in update.body_html
    assert 'href="https://upe.example/"' in update.body_html
