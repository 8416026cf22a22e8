"""Production settings come from the environment only, and Django's deploy checks pass."""

import pytest

from tests.production.environment import manage, production_env


def test_check_deploy_reports_nothing_with_the_production_environment():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


def test_check_deploy_behind_a_proxy_reports_nothing():
    env = production_env(BEHIND_PROXY="true", CSRF_TRUSTED_ORIGINS="https://confer.upe.example")
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_the_local_placeholder_secret_key():
    env = production_env(SECRET_KEY="local-development-only-not-a-secret")
    result = manage("check", env=env, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    "weak",
    [
        "short-but-random-Xk29",  # under 50 characters
        "a" * 60,  # long, but one character
        "abab" * 20,  # fewer than 5 different characters
        "django-insecure-" + "k3Jx9-QpL2mZ" * 5,  # a development project's key
    ],
)
def test_production_refuses_a_weak_secret_key(weak):
    result = manage("check", env=production_env(SECRET_KEY=weak), check=False)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
    assert weak not in result.stderr  # the key itself is never printed


def test_debug_runs_need_no_secret_key():
    env = production_env(DEBUG="true")
    del env["SECRET_KEY"]
    assert manage("check", env=env).returncode == 0


def test_production_hardening_and_hashed_static_files():
    env = production_env(BEHIND_PROXY="true")
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = manage("shell", "-v", "0", "-c", code, env=env)
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_tests_and_development_read_static_files_without_collectstatic(settings):
    assert settings.STORAGES["staticfiles"]["BACKEND"].endswith(".StaticFilesStorage")


def test_request_errors_are_logged_with_their_traceback_on_stdout():
    code = (
        "import logging\n"
        "try:\n    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('django.request').exception('Internal Server Error: /x')"
    )
    result = manage("shell", "-v", "0", "-c", code, env=production_env())
    assert "ERROR django.request Internal Server Error: /x" in result.stdout
    assert "Traceback (most recent call last)" in result.stdout
    assert "ZeroDivisionError" in result.stdout
