"""A document shared with members is linked from its session's update and follows the update's
visibility: none while a draft, public or members only once published, none once withdrawn."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Update
from members.operations import publish_update, unpublish_update, withdraw_update
from sessions import operations
from tests.factories import BargainingUnitFactory, SessionFactory, UpdateFactory, attach

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(db):
    session = SessionFactory(units=[BargainingUnitFactory(code="008")], status="held")
    update = UpdateFactory(
        session=session, status=Update.Status.DRAFT, publish_at=None, slug="cares"
    )
    document = attach(session, name="ta.pdf", title="Side letter", shared_with_members=True)
    internal = attach(session, name="notes.pdf", text="internal", title="Internal notes")
    return update, document, internal


def link(update, document) -> str:
    return reverse("members:update_document", args=[update.slug, document.pk])


def outcome(client, update, document) -> tuple[int, bool]:
    """(download status, whether the update page links the document)."""
    download = client.get(link(update, document)).status_code
    page = client.get(update.get_absolute_url())
    linked = page.status_code == 200 and link(update, document) in page.content.decode()
    return download, linked


def test_a_shared_document_follows_its_update(client, member, shared):
    update, document, internal = shared
    member_client = type(client)()
    member_client.force_login(member)

    # A draft: nobody outside staff finds it.
    assert outcome(client, update, document) == (404, False)
    assert outcome(member_client, update, document) == (404, False)

    publish_update(update, at=timezone.now() - datetime.timedelta(minutes=1))
    assert outcome(client, update, document) == (200, True)
    assert outcome(member_client, update, document) == (200, True)
    # Internal documents are never linked nor served from the update.
    assert outcome(client, update, internal) == (404, False)

    update.visibility = Update.Visibility.MEMBERS
    update.save()
    status, linked = outcome(client, update, document)
    assert status == 302 and not linked  # asked to sign in
    assert outcome(member_client, update, document) == (200, True)

    withdraw_update(update)
    assert outcome(client, update, document) == (404, False)
    assert outcome(member_client, update, document) == (404, False)


def test_back_to_draft_and_deleted_documents_are_gone(client, shared):
    update, document, _ = shared
    publish_update(update, at=timezone.now() - datetime.timedelta(minutes=1))
    assert outcome(client, update, document) == (200, True)
    unpublish_update(update)
    assert outcome(client, update, document) == (404, False)
    publish_update(update, at=timezone.now() - datetime.timedelta(minutes=1))
    operations.delete_document(document, by=None)
    assert outcome(client, update, document) == (404, False)


def test_the_download_is_private_and_safe(client, shared):
    update, document, _ = shared
    publish_update(update, at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(link(update, document))
    assert response["Content-Disposition"] == 'attachment; filename="Side letter.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_document_of_another_session_is_not_served_through_an_update(client, shared):
    update, _, _ = shared
    publish_update(update, at=timezone.now() - datetime.timedelta(minutes=1))
    other = attach(SessionFactory(), name="other.pdf", text="other", shared_with_members=True)
    assert client.get(link(update, other)).status_code == 404
