"""Content versions: a number that every change to some data moves, read in O(1).

A cached page is fresh while the version of what it shows has not moved (upe_confer.conditional).
Finding that out must not cost more as the data grows, so the version is a counter, not a
fingerprint of the rows:

- with a shared cache (Redis: every app server and worker sees the same one) the counter lives
  there, moved with an atomic INCR. Each process keeps the numbers it has read until Redis tells
  it they moved (publish/subscribe, `KnownVersions`): a read costs no round trip and no SQL.
  Without a listener (a cache that cannot publish, a lost connection) a read is one cache GET;
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

Another process learns of a move when Redis delivers the message: on the same host that is well
under a millisecond, and at most a thread switch (5 ms) later on a busy worker. While its
listener is not known to be connected — starting, reconnecting, or silent for longer than
`KnownVersions.TRUSTED_FOR` — a process reads every number from Redis again.
"""

import datetime
import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone

from upe_confer.models import StoredVersion

logger = logging.getLogger(__name__)

# Where version moves are announced (upe_confer.cache.KeptClientRedisCache publishes there).
MOVES_CHANNEL = "versions:moved"

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


def can_listen() -> bool:
    """Whether the cache announces moves (Redis), and this site wants them listened to."""
    return settings.CONTENT_VERSIONS_LISTEN and hasattr(cache, "subscription")


class KnownVersions:
    """The version numbers this process has read from the shared cache, kept while a listener
    thread hears every move announced on MOVES_CHANNEL and forgets the numbers that moved.

    A number read from Redis is only kept if nothing was forgotten while it was being read
    (`epoch`): a move announced during the read may be older or newer than what the read found.
    """

    # The listener pings Redis this often; unheard from for TRUSTED_FOR, it is not believed.
    PING_EVERY = 1.0
    TRUSTED_FOR = 3.0
    RETRY_AFTER = 1.0

    def __init__(self):
        self.lock = threading.Lock()
        self.numbers: dict[str, tuple[int, datetime.datetime | None]] = {}
        self.epoch = 0
        self.heard_at = 0.0  # time.monotonic() when the listener last heard from Redis
        self.listener_pid: int | None = None
        self.stopping = threading.Event()

    def trusted(self) -> bool:
        return time.monotonic() - self.heard_at < self.TRUSTED_FOR

    def get(self, name: str) -> tuple[int, datetime.datetime | None] | None:
        if self.listener_pid != os.getpid():
            self.start_listening()
        return self.numbers.get(name) if self.trusted() else None

    def keep(self, name: str, read: tuple[int, datetime.datetime | None], epoch: int) -> None:
        with self.lock:
            if epoch == self.epoch and self.trusted():
                self.numbers[name] = read

    def forget(self, name: str | None = None) -> None:
        with self.lock:
            self.epoch += 1
            if name is None:
                self.numbers.clear()
            else:
                self.numbers.pop(name, None)

    def start_listening(self) -> None:
        """Once per process (a forked worker starts its own): in a daemon thread."""
        with self.lock:
            if self.listener_pid == os.getpid():
                return
            # Asked once per process: a cache that cannot publish is read each time.
            self.listener_pid = os.getpid()
            self.heard_at = 0.0
            self.numbers.clear()
            self.stopping = threading.Event()  # the thread's own: an old one may still run
            if not can_listen():
                return
        threading.Thread(
            target=self.listen, args=(self.stopping,), name="content-versions", daemon=True
        ).start()

    def stop_listening(self) -> None:
        """For tests: the thread ends within PING_EVERY; numbers are read from Redis again."""
        self.stopping.set()
        with self.lock:
            self.listener_pid = None
            self.heard_at = 0.0
            self.numbers.clear()

    def listen(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                self.listen_once(stopping)
            except Exception:  # a lost connection: read from Redis until it is back
                logger.warning("Content versions: not listening to Redis", exc_info=True)
            with self.lock:
                self.heard_at = 0.0
                self.numbers.clear()
            stopping.wait(self.RETRY_AFTER)

    def listen_once(self, stopping: threading.Event) -> None:
        subscription = cache.subscription(MOVES_CHANNEL)
        pinged_at = time.monotonic()
        try:
            while not stopping.is_set():
                message = subscription.get_message(timeout=self.PING_EVERY)
                now = time.monotonic()
                if stopping.is_set():  # a listener since started is the one believed
                    break
                if message is not None:
                    if message["type"] == "subscribe":
                        # Subscribed (redis-py also resubscribes after a reconnection): a move
                        # before this instant may be unheard, so every kept number goes.
                        self.forget()
                    elif message["type"] == "message":
                        self.forget(message["data"].decode())
                    self.heard_at = now
                elif self.heard_at and now - self.heard_at > self.TRUSTED_FOR:
                    raise ConnectionError("Redis stopped answering pings")
                if now - pinged_at >= self.PING_EVERY:
                    subscription.ping("content-versions")
                    pinged_at = now
        finally:
            subscription.close()


known_versions = KnownVersions()


class ContentVersion:
    # Every version made, by name: a restored database moves them all (move_every_version).
    made: dict[str, "ContentVersion"] = {}

    def __init__(self, name: str):
        self.name = name
        ContentVersion.made[name] = self
        self.cache_key = f"version:{name}"
        self.changed_key = f"version:{name}:changed-at"

    def number(self) -> int:
        """The current number: kept in this process (see KnownVersions), else one cache read
        (no SQL), or one primary-key lookup without a shared cache."""
        if not in_shared_cache():
            return StoredVersion.objects.number(self.name)
        return self.read_from_cache()[0]

    def changed_at(self) -> datetime.datetime | None:
        """When the number last moved, at the latest: asked after `number()`, it is never
        older than that number's change (see move_in_cache). None if unknown."""
        if not in_shared_cache():
            return StoredVersion.objects.changed_at(self.name)
        return self.read_from_cache()[1]

    def read_from_cache(self) -> tuple[int, datetime.datetime | None]:
        if (known := known_versions.get(self.name)) is not None:
            return known
        epoch = known_versions.epoch
        found = cache.get_many([self.cache_key, self.changed_key])
        number = found.get(self.cache_key)
        if number is None:
            number = self.start_in_cache()
        read = (number, found.get(self.changed_key))
        known_versions.keep(self.name, read, epoch)
        return read

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
        # This process at once; the others when Redis delivers the message.
        known_versions.forget(self.name)
        if hasattr(cache, "publish"):
            cache.publish(MOVES_CHANNEL, self.name)

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


def move_every_version() -> None:
    """After the data changed under every page at once (a restored backup): no page kept
    before is served again, by any process."""
    for version in ContentVersion.made.values():
        version.move()
