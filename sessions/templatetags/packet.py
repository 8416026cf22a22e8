"""Filters of the evidence packet's PDF template, whose facts carry dates as ISO text."""

import datetime

from django import template

from upe_confer.text import long_date

register = template.Library()


@register.filter
def iso_long_date(value: str) -> str:
    """ "2020-01-17" → "January 17, 2020"; anything else as it is."""
    try:
        return long_date(datetime.date.fromisoformat(value))
    except (TypeError, ValueError):
        return value
