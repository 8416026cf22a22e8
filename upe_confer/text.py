"""How the project writes dates and lists in prose: one definition, used by the record's labels,
the generated updates, the admin's messages and the reports."""

import datetime

from django.utils import timezone
from django.utils.formats import time_format


def long_date(day: datetime.date) -> str:
    """ "January 17, 2020": the union's news items write dates this way."""
    return f"{day:%B} {day.day}, {day.year}"


def long_datetime(moment: datetime.datetime) -> str:
    """ "January 17, 2020 at 17:00", in the time zone the moment carries."""
    return f"{long_date(moment)} at {moment:%H:%M}"


def clock(moment: datetime.datetime) -> str:
    """ "10:42 a.m.", in the site's time zone: when something was saved, for a status line."""
    return time_format(timezone.localtime(moment), "g:i a")


def join_words(words: list[str]) -> str:
    """ "A", "A and B", "A, B, and C"."""
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]
