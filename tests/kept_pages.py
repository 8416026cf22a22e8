"""Forget every page kept by upe_confer.conditional: in the cache, in this process, the
schedule members' pages read last and the version numbers this process kept. Kept pages are
keyed by content versions; a test database rolled back repeats those numbers with other rows,
which a live database never does."""

from django.core.cache import cache

from members import freshness
from upe_confer.conditional import recent_pages
from upe_confer.versions import known_versions


def forget_kept_pages() -> None:
    cache.clear()
    recent_pages.clear()
    freshness.last_schedule = None
    known_versions.forget()
