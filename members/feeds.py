"""Atom feeds of public updates, with the full text of each: all units, and one per unit.

Feed readers do not sign in, so feeds carry public, published updates only.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from sessions.models import BargainingUnit

from .models import SiteConfiguration, Update

FEED_SIZE = 30


class FullContentAtomFeed(Atom1Feed):
    """Atom with the whole update in <content>; Django's Atom feed writes only <summary>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


@dataclass
class FeedSubject:
    """What a feed is about: the union (for its name) and, for a unit's feed, the unit."""

    union: SiteConfiguration
    unit: BargainingUnit | None = None


class LatestUpdatesFeed(Feed):
    feed_type = FullContentAtomFeed

    def get_object(self, request, *args, **kwargs) -> FeedSubject:
        return FeedSubject(union=SiteConfiguration.current())

    def title(self, obj: FeedSubject) -> str:
        return f"{obj.union.union_name}: meet-and-confer updates"

    def author_name(self, obj: FeedSubject) -> str:
        # Atom wants an author; the union speaks in every update.
        return obj.union.union_name

    def subtitle(self, obj: FeedSubject) -> str:
        return "What happened when UPE met the County, and what members should do."

    def link(self, obj: FeedSubject) -> str:
        return reverse("members:update_list")

    def updates(self):
        return Update.objects.published().public().with_labels().newest_first()

    def items(self, obj: FeedSubject):
        return self.updates()[:FEED_SIZE]

    def item_title(self, item: Update) -> str:
        return item.title

    def item_description(self, item: Update) -> str:
        # Atom's <summary type="html"> is read as HTML: the summary is plain text, so escape it.
        return escape(item.summary)

    def item_link(self, item: Update) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Update):
        return item.publish_at

    def item_updateddate(self, item: Update):
        return item.updated_at

    def item_categories(self, item: Update) -> list[str]:
        return [unit.code for unit in item.units.all()] + [
            topic.name for topic in item.topics.all()
        ]

    def item_extra_kwargs(self, item: Update) -> dict:
        return {"content": item.body_html}


class UnitUpdatesFeed(LatestUpdatesFeed):
    def get_object(self, request, code: str) -> FeedSubject:
        unit = get_object_or_404(BargainingUnit, code=code)
        return FeedSubject(union=SiteConfiguration.current(), unit=unit)

    def title(self, obj: FeedSubject) -> str:
        return f"{obj.union.union_name}: unit {obj.unit.code} meet-and-confer updates"

    def link(self, obj: FeedSubject) -> str:
        return reverse("members:unit_detail", args=[obj.unit.code])

    def items(self, obj: FeedSubject):
        return self.updates().for_unit(obj.unit)[:FEED_SIZE]
