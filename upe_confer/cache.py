"""Django's Redis cache, keeping its Redis client instead of making one per call.

`django.core.cache.backends.redis.RedisCacheClient.get_client()` builds a new `redis.Redis` for
every cache operation; redis-py's constructor fills a table of about 170 response callbacks each
time, which cost 0.35–0.45 ms a call here — more than the round trip to Redis, and more than the
whole of a bare Django view. A client over a connection pool is safe to share between threads, so
one per pool is kept.

It also lets content versions (upe_confer.versions) publish and listen on a channel: Redis's
publish/subscribe, which the cache API does not reach.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if (client := self._clients.get(id(pool))) is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def publish(self, channel: str, message: str) -> None:
        self._cache.get_client(write=True).publish(self.make_key(channel), message)

    def subscription(self, channel: str):
        """A redis-py PubSub subscribed to the channel, on a connection of its own."""
        pubsub = self._cache.get_client().pubsub(ignore_subscribe_messages=False)
        pubsub.subscribe(self.make_key(channel))
        return pubsub
