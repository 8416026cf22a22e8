"""Run the app the way production does: in its own process, configured by the
environment only (pytest is not imported there, so the production settings apply)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The PostgreSQL server and Redis the multi-server checks use; scripts/test passes its own.
PG_SERVER_URL = os.environ.get("PG_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/upe_confer")
REDIS_SERVER_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Variables of the developer's shell that would change what the child process does.
INHERITED_SETTINGS = [
    "DEBUG",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "BEHIND_PROXY",
    "SECURE_SSL_REDIRECT",
    "STATIC_ROOT",
    "STATICFILES_BACKEND",
    "MAIL_BACKEND",
    "CACHE_KEY_PREFIX",
    "WEB_CONCURRENCY",
    "GUNICORN_BIND",
    "BACKUP_ENCRYPTION_KEY",
    "AXES_FAILURE_LIMIT",
    "AXES_LOCKOUT_MINUTES",
]


def production_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_SETTINGS}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="confer.upe.example",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(
    *args: str, env: dict[str, str], check: bool = True, timeout: int = 120
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, (
            f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}"
        )
    return result
