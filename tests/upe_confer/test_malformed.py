import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_the_address_is_a_bad_request(client):
    assert client.get("/updates/unit/%00/").status_code == 400
    assert client.get("/updates/search/?q=pay%00").status_code == 400
    assert client.get("/updates/search/?q=pay").status_code == 200
