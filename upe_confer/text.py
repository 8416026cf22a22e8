"""How the project writes dates and lists in prose: one definition, used by the record's labels,
the generated updates, the admin's messages and the reports."""

import datetime


def long_date(day: datetime.date) -> str:
    """ "January 17, 2020": the union's news items write dates this way."""
    return f"{day:%B} {day.day}, {day.year}"


def long_datetime(moment: datetime.datetime) -> str:
    """ "January 17, 2020 at 17:00", in the time zone the moment carries."""
    return f"{long_date(moment)} at {moment:%H:%M}"


def join_words(words: list[str]) -> str:
    """ "A", "A and B", "A, B, and C"."""
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]
