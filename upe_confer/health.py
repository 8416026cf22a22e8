"""/healthz: may a load balancer send this app server traffic?"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A cache inside each process cannot fail in a way another server would notice: only a shared one
# is worth asking.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("healthz: the database does not answer", exc_info=True)
        return False


def cache_answers() -> bool:
    if settings.CACHES["default"]["BACKEND"] in PROCESS_LOCAL_CACHES:
        return True
    try:
        cache.set("healthz", "ok", timeout=30)
        return cache.get("healthz") == "ok"
    except Exception:  # Each cache client raises its own errors (redis.ConnectionError, ...).
        logger.warning("healthz: the cache does not answer", exc_info=True)
        return False


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database (and a shared cache) answer, 503 otherwise.

    Touches neither the session nor the user, so it costs one trivial query and sets no cookie.
    """
    failing = [
        name
        for name, answers in [("database", database_answers), ("cache", cache_answers)]
        if not answers()
    ]
    if failing:
        return HttpResponse(
            "".join(f"{name}: unavailable\n" for name in failing),
            status=503,
            content_type="text/plain",
        )
    return HttpResponse("ok\n", content_type="text/plain")


def bare(request: HttpRequest) -> HttpResponse:
    """The ceiling of any page, for scripts/benchmark: no query, no template, every middleware.
    Served only when BENCHMARK_BARE_VIEW is set."""
    return HttpResponse("ok", content_type="text/plain")
