"""Content versions in Redis, kept by each process while it hears their moves (KnownVersions).

These use the Redis the suite requires (TEST_REDIS_URL, see scripts/test): without it they fail.
"""

import secrets
import time

import pytest
import redis
from django.core.cache import cache

from tests.production.environment import REDIS_SERVER_URL
from upe_confer import versions
from upe_confer.cache import KeptClientRedisCache
from upe_confer.versions import MOVES_CHANNEL, ContentVersion, known_versions


@pytest.fixture
def redis_cache(settings):
    """The cache is Redis, as in production, under a prefix of this test's own."""
    prefix = f"test-versions-{secrets.token_hex(4)}"
    settings.CACHES = {
        "default": {
            "BACKEND": "upe_confer.cache.KeptClientRedisCache",
            "LOCATION": REDIS_SERVER_URL,
            "KEY_PREFIX": prefix,
        }
    }
    settings.CONTENT_VERSIONS_IN_CACHE = True
    settings.CONTENT_VERSIONS_LISTEN = True
    known_versions.stop_listening()
    server = redis.Redis.from_url(REDIS_SERVER_URL)
    yield server
    known_versions.stop_listening()
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def another_process_moves(server, version: ContentVersion, *, announce: bool = True) -> None:
    """What `move_in_cache` does in another process: INCR, then PUBLISH."""
    server.incr(cache.make_key(version.cache_key))
    if announce:
        server.publish(cache.make_key(MOVES_CHANNEL), version.name)


def eventually(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def listening() -> bool:
    ContentVersion("any").number()  # starts the listener in this process
    return eventually(known_versions.trusted)


@pytest.fixture
def cache_reads(monkeypatch):
    reads = []
    get_many = KeptClientRedisCache.get_many

    def counting(self, keys, version=None):
        reads.append(keys)
        return get_many(self, keys, version)

    monkeypatch.setattr(KeptClientRedisCache, "get_many", counting)
    return reads


def test_a_number_once_read_is_kept_no_round_trip_per_page(redis_cache, cache_reads):
    pages = ContentVersion("pages")
    assert listening()
    first = pages.number()
    reads_after_first = len(cache_reads)
    assert [pages.number() for _ in range(50)] == [first] * 50
    assert pages.changed_at() is None  # never moved yet: unknown, and kept as such
    assert len(cache_reads) == reads_after_first


def test_a_move_in_this_process_is_seen_at_once(redis_cache):
    pages = ContentVersion("pages")
    assert listening()
    before = pages.number()
    pages.move_in_cache()
    assert pages.number() == before + 1
    assert pages.changed_at() is not None


def test_a_move_in_another_process_is_seen_when_redis_announces_it(redis_cache):
    pages = ContentVersion("pages")
    assert listening()
    before = pages.number()
    another_process_moves(redis_cache, pages)
    assert eventually(lambda: pages.number() == before + 1, seconds=1)


def test_other_versions_stay_kept_when_one_moves(redis_cache, cache_reads):
    pages, units = ContentVersion("pages"), ContentVersion("units")
    assert listening()
    units_number = units.number()
    pages.number()
    another_process_moves(redis_cache, pages)
    assert eventually(lambda: pages.name not in known_versions.numbers)
    reads = len(cache_reads)
    assert units.number() == units_number
    assert len(cache_reads) == reads


def test_a_move_missed_while_the_connection_was_lost_is_seen_once_it_is_back(redis_cache):
    pages = ContentVersion("pages")
    assert listening()
    before = pages.number()
    killed = redis_cache.client_kill_filter(_type="pubsub", skipme=True)
    assert killed >= 1
    # Made while nobody listened: never announced to this process.
    another_process_moves(redis_cache, pages, announce=False)
    assert eventually(lambda: pages.number() == before + 1)


def test_a_listener_not_heard_from_lately_is_not_believed(redis_cache):
    pages = ContentVersion("pages")
    assert listening()
    before = pages.number()
    another_process_moves(redis_cache, pages, announce=False)
    assert pages.number() == before  # kept: nobody said it moved
    known_versions.heard_at = time.monotonic() - known_versions.TRUSTED_FOR - 1
    assert pages.number() == before + 1


def test_without_listening_every_read_goes_to_redis(redis_cache, settings, cache_reads):
    settings.CONTENT_VERSIONS_LISTEN = False
    pages = ContentVersion("pages")
    before = pages.number()
    another_process_moves(redis_cache, pages, announce=False)
    assert pages.number() == before + 1
    assert len(cache_reads) == 2
    assert not versions.can_listen()
