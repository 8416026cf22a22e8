import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_local_admin_prints_a_login_that_works(capsys, client):
    call_command("local_admin", "--password", "s3cret-local")
    assert "user 'admin', password 's3cret-local'" in capsys.readouterr().out
    signed_in = client.post(
        reverse("admin:login"), {"username": "admin", "password": "s3cret-local", "next": "/admin/"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert get_user_model().objects.get(username="admin").is_superuser


def test_local_admin_twice_resets_the_password(capsys):
    call_command("local_admin")
    call_command("local_admin")
    output = capsys.readouterr().out
    assert "Created" in output and "Reset" in output
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_load_demo_reports_what_it_loaded(capsys):
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "January 17, 2020 (units 008): loaded" in output
    assert "September 15, 2023 (units 005 and 008): loaded" in output
