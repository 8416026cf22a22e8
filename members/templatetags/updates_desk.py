"""What the communications side has waiting, for the admin's front page."""

from django import template
from django.db.models import Count, Q

from sessions.models import Session

from ..models import Update

register = template.Library()


@register.simple_tag
def updates_waiting() -> dict[str, int]:
    """Drafts not yet published, and held sessions no update has been written from."""
    drafts = Update.objects.aggregate(n=Count("pk", filter=Q(status=Update.Status.DRAFT)))["n"]
    unwritten = Session.objects.held().filter(updates__isnull=True).count()
    return {"drafts": drafts, "unwritten": unwritten}
