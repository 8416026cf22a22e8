"""Content versions: a number that every change to some data moves, read in O(1).

A cached page is fresh while the version of what it shows has not moved (upe_confer.conditional).
Finding that out must not cost more as the data grows, so the version is a counter, not a
fingerprint of the rows:

- with a shared cache (Redis: every app server and worker sees the same one) the counter lives
  there, moved with an atomic INCR, and a read costs one cache round trip and no SQL;
- with a per-process cache (local memory, when REDIS_URL is not set) the cache cannot carry it —
  another worker would never see the move — so it is a row in the database, moved by an UPDATE
  in the writer's own transaction, and a read is one primary-key lookup.

Writers move the version twice: at once (inside the transaction) and again once it commits. The
first makes a page rendered from the old rows before the commit useless as soon as it is kept;
the second makes a page rendered between the two (from rows not yet committed) useless too. A
change is never seen late by more than the instant between its commit and the second move.

What moves a version: `watch(version, *models)` connects saves, deletions and many-to-many
changes of those models, and `rows_changed`, which `ChangeReportingQuerySet` sends for the writes
that send no model signal (`update()`, `bulk_create()`, `bulk_update()`). Raw SQL is not seen.
"""

import datetime
import time

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone

from upe_confer.models import StoredVersion

# Sent with the model class as sender after a queryset write that sends no per-row signal.
rows_changed = Signal()


class ChangeReportingQuerySet(models.QuerySet):
    """A queryset whose bulk writes are seen by content versions (see `rows_changed`)."""

    def update(self, **kwargs):
        count = super().update(**kwargs)
        rows_changed.send(sender=self.model)
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        rows_changed.send(sender=self.model)
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, *args, **kwargs):
        count = super().bulk_update(objs, *args, **kwargs)
        rows_changed.send(sender=self.model)
        return count

    bulk_update.alters_data = True


def in_shared_cache() -> bool:
    """Whether every process sees the same cache (then versions live there)."""
    return settings.CONTENT_VERSIONS_IN_CACHE


class ContentVersion:
    def __init__(self, name: str):
        self.name = name
        self.cache_key = f"version:{name}"
        self.changed_key = f"version:{name}:changed-at"

    def number(self) -> int:
        """The current number: one cache read (no SQL) or one primary-key lookup."""
        if not in_shared_cache():
            return StoredVersion.objects.number(self.name)
        number = cache.get(self.cache_key)
        return number if number is not None else self.start_in_cache()

    def changed_at(self) -> datetime.datetime | None:
        """When the number last moved, at the latest: asked after `number()`, it is never
        older than that number's change (see move_in_cache). None if unknown."""
        if not in_shared_cache():
            return StoredVersion.objects.changed_at(self.name)
        return cache.get(self.changed_key)

    def start_in_cache(self) -> int:
        """A cache that lost the counter (restarted, evicted) starts it again from the clock: a
        number no page kept before can carry, since each change adds only one."""
        cache.add(self.cache_key, time.time_ns(), timeout=None)
        return cache.get(self.cache_key)

    def move(self) -> None:
        if in_shared_cache():
            self.move_in_cache()
            transaction.on_commit(self.move_in_cache)
        else:
            StoredVersion.objects.move(self.name)

    def move_in_cache(self) -> None:
        # The time first: whoever reads the new number then finds a time at least as late.
        cache.set(self.changed_key, timezone.now(), timeout=None)
        try:
            cache.incr(self.cache_key)
        except ValueError:  # not there: any new number will do
            self.start_in_cache()

    def watch(self, *watched: type[models.Model]) -> None:
        """Move this version whenever a row of these models, or of their many-to-many links,
        is saved, deleted or written in bulk."""
        for model in watched:
            for signal in (post_save, post_delete, rows_changed):
                signal.connect(self.on_change, sender=model, weak=False)
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(self.on_change, sender=field.remote_field.through, weak=False)

    def on_change(self, sender, **kwargs) -> None:
        if kwargs.get("action", "post_").startswith("post_"):
            self.move()
