"""Pages that are cached yet never stale: conditional GET (ETag, Last-Modified, 304) and a
rendered-page cache, both keyed by what the page's content depends on.

Nothing has to be invalidated: the view says what its content depends on, cheaply — typically a
content version that every change to the data moves (upe_confer.versions) — and any change gives
a new key, hence a new ETag and a new cache entry. Publishing, editing or withdrawing an update is
seen on the very next request, on every app server.

    PAGES = ContentVersion("units")  # PAGES.watch(BargainingUnit) once, in AppConfig.ready()

    def units_freshness(request) -> Freshness:
        return Freshness(f"units|{PAGES.number()}", PAGES.changed_at())

    @cached_page(units_freshness)
    def unit_list(request): ...

(members/freshness.py has the real ones.)

Public pages (an anonymous visitor, nothing personal in the page) say `Cache-Control: public`
with a short `s-maxage`, so a reverse proxy or CDN in front may answer a crowd for those few
seconds; browsers still ask each time. Everything else is private.
"""

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import http_date

PAGE_CACHE_SECONDS = 10 * 60


@dataclass(frozen=True)
class Freshness:
    """What a page's content depends on: any change to the data must change one of these."""

    key: str
    last_modified: datetime | None = None


def has_messages(request: HttpRequest) -> bool:
    """Whether a one-time message waits for this page; without a session or messages cookie
    there can be none, and nothing needs loading to know it."""
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies:
        return False
    return bool(len(messages.get_messages(request)))


def page_etag(request: HttpRequest, freshness: Freshness) -> str:
    # The visitor is part of the key: signed-in pages name the user and carry their CSRF token.
    # The host and scheme too: pages print their canonical address.
    if signed_in(request):
        user = request.user
        visitor = f"{user.pk}:{user.get_username()}:{user.is_staff}"
    else:
        visitor = "anonymous"
    parts = [
        request.build_absolute_uri(),
        freshness.key,
        freshness.last_modified.isoformat() if freshness.last_modified else "",
        visitor,
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
    ]
    return '"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'


def last_modified_timestamp(freshness: Freshness) -> int | None:
    """Last-Modified in whole seconds (HTTP dates have no finer grain), or None while the last
    change is in the current second: a second change in that same second would have the same
    date, and a browser asking "modified since?" with it would be told no. A second later the
    date is safe to give."""
    if freshness.last_modified is None:
        return None
    timestamp = int(freshness.last_modified.timestamp())
    return timestamp if timestamp < int(timezone.now().timestamp()) else None


def cached_page(
    freshness: Callable[..., Freshness | None], timeout: int = PAGE_CACHE_SECONDS
) -> Callable:
    """Decorate a GET view: answer 304 when the browser's copy is current, serve the rendered
    page from the shared cache when it is, render (and keep) it otherwise. A freshness function
    that returns None (e.g. for staff, who see drafts) means: render this page, keep nothing."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # A page with a one-time message ("Update published") is rendered for this request
            # only: neither a 304 nor a kept page would show the message.
            if request.method not in ("GET", "HEAD") or has_messages(request):
                return view(request, *args, **kwargs)
            state = freshness(request, *args, **kwargs)
            if state is None:
                return view(request, *args, **kwargs)
            etag = page_etag(request, state)
            timestamp = last_modified_timestamp(state)
            response = get_conditional_response(request, etag=etag, last_modified=timestamp)
            if response is None:
                response = render_or_reuse(request, view, args, kwargs, etag, timeout)
            if response.status_code in (200, 304):
                response["ETag"] = etag
                if timestamp is not None:
                    response["Last-Modified"] = http_date_of(timestamp)
                elif response.has_header("Last-Modified"):
                    # Not even the view's own date (a feed sets one): see last_modified_timestamp.
                    del response["Last-Modified"]
                # Browsers keep the page but ask each time (a 304 costs little): never stale.
                set_cache_headers(response, shared=shareable(request, response))
            return response

        return wrapper

    return decorator


@functools.lru_cache(maxsize=64)
def http_date_of(timestamp: int) -> str:
    """Every hit on a page gives the same date until the data changes: formatted once."""
    return http_date(timestamp)


def set_cache_headers(response: HttpResponse, shared: bool) -> None:
    """Cache-Control and `Vary: Cookie`; a kept page has neither yet, and is given them without
    parsing (patch_* merge with what a freshly rendered view may have set)."""
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = (
            f"public, max-age=0, s-maxage={settings.PUBLIC_PAGE_SHARED_SECONDS}"
            if shared
            else "private, no-cache"
        )
    elif shared:
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=settings.PUBLIC_PAGE_SHARED_SECONDS
        )
    else:
        patch_cache_control(response, private=True, no_cache=True)
    if response.has_header("Vary"):
        patch_vary_headers(response, ["Cookie"])
    else:
        response["Vary"] = "Cookie"


def shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a shared cache may keep the page for everyone: asked for by an anonymous visitor,
    and nothing in it of theirs (no CSRF token, no cookie set)."""
    if kept_from_others(request):
        return False
    if response.status_code == 304:  # nothing rendered: what the 200 would have said
        return settings.CSRF_COOKIE_NAME not in request.COOKIES
    return getattr(response, "shareable", False)


class RecentPages:
    """The pages this process served last, in front of the shared cache: a page's key changes
    with anything it shows, so a copy here is as fresh as the one in the cache, and the hit
    costs no round trip. Bounded: the least recently used go first."""

    def __init__(self, size: int):
        self.size = size
        self.pages: OrderedDict[str, tuple] = OrderedDict()
        self.lock = threading.Lock()  # gthread workers serve several requests at once

    def get(self, key: str) -> tuple | None:
        with self.lock:
            if (page := self.pages.get(key)) is not None:
                self.pages.move_to_end(key)
            return page

    def keep(self, key: str, page: tuple) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


recent_pages = RecentPages(size=500)


def kept_page(key: str) -> tuple | None:
    if (page := recent_pages.get(key)) is None and (page := cache.get(key)) is not None:
        recent_pages.keep(key, page)
    return page


def render_or_reuse(request, view, args, kwargs, etag: str, timeout: int) -> HttpResponse:
    key = f"page:{etag}"
    if (kept := kept_page(key)) is not None:
        content, content_type, is_shareable = kept
        response = HttpResponse(content, content_type=content_type)
        response.shareable = is_shareable
        return response
    had_csrf_cookie = "CSRF_COOKIE" in request.META
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    # A CSRF token in the page is only good with this browser's cookie, which is in the key; a
    # visitor without one was just given a new secret: their page is theirs alone.
    token_for_a_new_cookie = request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not had_csrf_cookie
    if (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not token_for_a_new_cookie
    ):
        response.shareable = "CSRF_COOKIE_USED" not in request.META
        page = (response.content, response["Content-Type"], response.shareable)
        cache.set(key, page, timeout)
        recent_pages.keep(key, page)
    return response


def signed_in(request: HttpRequest) -> bool:
    """Whether the request is a signed-in user's, without loading a session nobody sent."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    unsure = isinstance(user, SimpleLazyObject) and not hasattr(request, "_cached_user")
    if unsure and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return user.is_authenticated


# Pages that carry a secret in their address or their form (sign-in, password reset links).
SECRET_PATH_PREFIXES = ("/accounts/",)


def kept_from_others(request: HttpRequest) -> bool:
    """A signed-in user's page, or one with a secret in it: no browser, proxy or back button
    keeps it (private_pages), and no shared cache is told it may (shareable)."""
    return signed_in(request) or request.path.startswith(SECRET_PATH_PREFIXES)


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    """`Cache-Control: private, no-store` on every page a signed-in user gets (it may show drafts,
    the record of other units, a calendar link) and on the sign-in and password pages: no
    browser, proxy or back button keeps them. Cached member pages keep their ETag, so a 304 still
    saves the work on the server; the browser just does not keep a copy on disk.

    Anonymous requests without a session cookie are not looked at, so public pages keep their
    caching (and no needless `Vary: Cookie`)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if kept_from_others(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
