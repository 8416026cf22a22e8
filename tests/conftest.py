import pytest
from django.conf import settings

# Hashing passwords properly is slow on purpose; tests need none of that.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A test database need not survive a crash: PostgreSQL may answer a commit (migrations, tests
# that commit) before its log is on disk.
if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Every test keeps its documents' files in a folder of its own, never in the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts without kept pages (see tests/kept_pages.py)."""
    from tests.kept_pages import forget_kept_pages

    forget_kept_pages()


# The role groups and the two units of the seeds: the record's and the API's tests share them.
@pytest.fixture
def groups(db):
    from upe_confer.roles import setup_roles

    return setup_roles()


@pytest.fixture
def unit_005(db):
    from tests.factories import BargainingUnitFactory

    return BargainingUnitFactory(code="005", name="Bargaining Unit 005")


@pytest.fixture
def unit_008(db):
    from tests.factories import BargainingUnitFactory

    return BargainingUnitFactory(code="008", name="Bargaining Unit 008")


@pytest.fixture(params=["database", "cache"])
def version_store(request, settings):
    """Where content versions live (upe_confer.versions): the database, as on a site without a
    shared cache, or the cache, as with Redis."""
    settings.CONTENT_VERSIONS_IN_CACHE = request.param == "cache"
    return request.param
