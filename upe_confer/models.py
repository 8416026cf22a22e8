"""Personal API tokens: the credential of the read-only API (/api/v1/).

A basic rather than part of the record or of the members' app: like a password it belongs to a
user account, whatever that user may read; what the token opens is decided by the same role and
per-unit rules as the pages (the API applies them to `token.user`).
"""

import hashlib
import secrets
import time

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_api_token(secret: str) -> str:
    """A token as it is stored. The secret is 256 random bits, so a plain SHA-256 is enough:
    nothing could be guessed from it faster than the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def of_active_users(self):
        return self.filter(user__is_active=True)


class ApiToken(models.Model):
    """A user's named key to the API, kept only as its hash: shown once when it is made, never
    readable again (by Staff, the admin or a backup). Revoking deletes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What it is for, e.g. “steward dashboard”.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["user", "-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"API token “{self.name}” of {self.user}"

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """A new token for the user and its secret, which is returned this once only."""
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, token_hash=hash_api_token(secret))
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> "ApiToken | None":
        """The token of an active user that the secret opens, its use recorded; or None."""
        token = (
            cls.objects.of_active_users()
            .select_related("user")
            .filter(token_hash=hash_api_token(secret))
            .first()
        )
        if token is not None:
            token.last_used_at = timezone.now()
            cls.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
        return token


class StoredVersionQuerySet(models.QuerySet):
    def number(self, name: str) -> int:
        return self.filter(name=name).values_list("number", flat=True).first() or 0

    def changed_at(self, name: str):
        return self.filter(name=name).values_list("changed_at", flat=True).first()

    def move(self, name: str) -> None:
        """One more, in the caller's transaction: concurrent writers take turns on the row."""
        moved = {"number": models.F("number") + 1, "changed_at": timezone.now()}
        if not self.filter(name=name).update(**moved):
            # From the clock, as in the cache (upe_confer.versions.ContentVersion.start_in_cache):
            # a new database never repeats a number a page was kept under with other data.
            self.get_or_create(name=name, defaults={"number": time.time_ns()})
            self.filter(name=name).update(**moved)


class StoredVersion(models.Model):
    """A content version kept in the database, for a site without a shared cache (see
    upe_confer.versions)."""

    name = models.CharField(max_length=50, primary_key=True)
    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    objects = StoredVersionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} {self.number}"
