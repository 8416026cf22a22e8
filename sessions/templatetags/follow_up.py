"""What the follow-up reports would count today, for the admin's front page."""

from django import template
from django.utils import timezone

from ..models import Commitment
from ..reports.views import DUE_SOON_DAYS, REPORTS

register = template.Library()


@register.simple_tag
def follow_up_summary() -> list[tuple]:
    """(report, how many) for each commitment report, in one query."""
    counts = Commitment.objects.counts(timezone.localdate(), DUE_SOON_DAYS)
    return [(report, counts[report.count_key]) for report in REPORTS.values()]
