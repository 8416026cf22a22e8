import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: a cache there fails at once, as a Redis that is down does.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_healthz_answers_ok_without_a_session_or_a_login(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_named(client):
    assert reverse("healthz") == "/healthz"


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "database: unavailable" in response.text


def test_healthz_answers_503_when_the_shared_cache_does_not(client):
    with override_settings(CACHES=REDIS_DOWN):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.text == "cache: unavailable\n"


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
