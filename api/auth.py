"""Who is calling: a personal API token (Authorization: Bearer <token>), and how often."""

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from upe_confer.models import ApiToken


class PersonalToken(HttpBearer):
    """The token's user becomes `request.user`, so every rule of the pages applies unchanged."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        api_token = ApiToken.authenticate(token)
        if api_token is not None:
            request.user = api_token.user
        return api_token


class PerTokenThrottle(SimpleRateThrottle):
    """At most settings.API_RATE_LIMIT requests per token ("600/min"), counted in Django's cache
    (Redis in production, so every server counts together); beyond it 429 with Retry-After."""

    scope = "api_token"

    def __init__(self) -> None:
        super().__init__(rate=settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        # The setting is read at each request, not once at import.
        self.rate = settings.API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if token is None:
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
