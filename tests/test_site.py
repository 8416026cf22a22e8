import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders_with_the_site_layout(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "<title>Sign in · United Public Employees</title>" in response.text
    assert 'href="#main"' in response.text


def test_wrong_password_shows_a_message(client):
    response = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    assert "didn’t match" in response.text


def test_pages_forbid_inline_script(client):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_admin_asks_for_sign_in(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_missing_page_uses_the_site_layout(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "<title>Page not found · United Public Employees</title>" in response.text
    assert reverse("members:update_list") in response.text
