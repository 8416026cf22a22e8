"""What the follow-up reports would count today, for the admin's front page."""

from django import template
from django.utils import timezone

from ..access import commitments_reported_to
from ..reports.views import report_counts

register = template.Library()


@register.simple_tag
def follow_up_summary(user) -> list[tuple]:
    """(report, how many of the commitments `user` may see) for each report, in one query."""
    return report_counts(commitments_reported_to(user), timezone.localdate())
