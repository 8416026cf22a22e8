"""Documents attached to the record: checked on the way in, private on the way out."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.demo import pdf_with_text
from sessions import operations
from sessions.models import Document, Session
from tests.factories import AgendaItemFactory, SessionFactory, attach, pdf_upload

pytestmark = pytest.mark.django_db


def attach_url(session) -> str:
    return reverse("sessions:session_attach", args=[session.pk])


def download(client, document):
    return client.get(reverse("sessions:document_download", args=[document.pk]))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def session(unit_008):
    return SessionFactory(units=[unit_008], status="held")


def test_an_agent_attaches_several_files_and_lists_and_downloads_them(client, agent_008, session):
    client.force_login(agent_008)
    item = AgendaItemFactory(session=session, order=1, title="CARES")
    response = client.post(
        attach_url(session),
        {
            "files": [pdf_upload("a.pdf", "first"), pdf_upload("b.pdf", "second")],
            "kind": Document.Kind.COUNTY_PROPOSAL,
            "attached_to": f"item-{item.pk}",
        },
    )
    assert response.status_code == 302
    documents = list(Document.objects.order_by("pk"))
    assert [d.original_name for d in documents] == ["a.pdf", "b.pdf"]
    assert [d.title for d in documents] == ["a", "b"]
    first = documents[0]
    assert first.kind == Document.Kind.COUNTY_PROPOSAL
    assert first.agenda_item == item
    assert first.added_by == agent_008
    assert first.date == session.date
    assert first.content_type == "application/pdf"
    assert first.sha256 == hashlib.sha256(pdf_with_text(["first"])).hexdigest()
    # The stored name is generated, not the uploader's (a random hex name may end in "a" too).
    stored = first.file.name.rsplit("/", 1)[-1]
    assert stored != "a.pdf" and len(stored) > len("a.pdf") and stored.endswith(".pdf")

    page = client.get(reverse("sessions:session_detail", args=[session.pk]))
    assert page.status_code == 200
    assert reverse("sessions:document_download", args=[first.pk]) in page.content.decode()

    response = download(client, first)
    assert response.status_code == 200
    assert body(response) == pdf_with_text(["first"])
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="a.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_agent_of_another_unit_gets_not_found(client, agent_005, communications, session):
    document = attach(session)
    client.force_login(agent_005)
    assert download(client, document).status_code == 404
    client.force_login(communications)  # reads every unit
    assert download(client, document).status_code == 200


@pytest.mark.parametrize(
    "name, content",
    [
        ("minutes.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("minutes.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
        ("minutes.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("minutes.pdf", b"  <html><body onload=alert(1)>"),
        ("minutes.pdf", b"Plain text pretending to be a PDF"),
        ("minutes.html", b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>"),
        ("setup.exe", b"%PDF-1.4\n...really a pdf but named as a program"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 64),
    ],
)
def test_a_disguised_file_is_refused_with_a_message(client, agent_008, session, name, content):
    client.force_login(agent_008)
    upload = SimpleUploadedFile(name, content, "application/pdf")
    response = client.post(attach_url(session), {"files": [upload], "kind": "other"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was attached" in text
    assert "kind of file we keep" in text or "is named like a" in text
    assert not Document.objects.exists()


def test_a_plain_text_file_and_a_photo_are_accepted(client, agent_008, session):
    client.force_login(agent_008)
    text = SimpleUploadedFile("email.txt", b"From: the County\nSubject: meeting\n")
    png = SimpleUploadedFile(
        "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32, "image/png"
    )
    response = client.post(attach_url(session), {"files": [text, png]})
    assert response.status_code == 302
    types = dict(Document.objects.values_list("original_name", "content_type"))
    assert types == {"email.txt": "text/plain", "photo.png": "image/png"}
    photo = Document.objects.get(original_name="photo.png")
    response = download(client, photo)
    assert response["Content-Disposition"].startswith("inline")  # an image is safe to show


def test_an_oversize_file_is_refused_and_nothing_is_saved(
    client, agent_008, session, settings, private_media
):
    settings.DOCUMENT_MAX_MB = 1
    client.force_login(agent_008)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    response = client.post(attach_url(session), {"files": [pdf_upload(), big]})
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()
    assert not Document.objects.exists()
    assert not any(p.is_file() for p in private_media.rglob("*")) if private_media.exists() else 1


def test_the_same_file_twice_is_noticed(client, agent_008, session):
    first = attach(session, title="County proposal")
    client.force_login(agent_008)
    response = client.post(attach_url(session), {"files": [pdf_upload("copy.pdf")]})
    assert response.status_code == 400
    assert "already attached to this session" in response.content.decode()
    assert list(Document.objects.all()) == [first]


@pytest.mark.parametrize(
    "title",
    [
        'evil"\r\nSet-Cookie: x=1',
        "a\nContent-Type: text/html",
        "../../etc/passwd",
        "Þróun ‘quotes’ \\ back",
    ],
)
def test_a_header_injecting_name_is_harmless(client, staff, session, title):
    document = attach(session, name=f"{title}.pdf", title=title)
    client.force_login(staff)
    response = download(client, document)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.count('"') == 2
    assert "Set-Cookie" not in response.headers
    assert response["Content-Type"] == "application/pdf"
    assert "/" not in disposition.split("filename=")[1]


def test_a_failed_save_leaves_no_orphan_file(session, private_media, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Document, "save", fail)
    with pytest.raises(RuntimeError):
        attach(session)
    files = [p for p in private_media.rglob("*") if p.is_file()] if private_media.exists() else []
    assert files == []


def test_delete_is_soft_and_staff_restore(client, agent_008, staff, session):
    document = attach(session)
    client.force_login(agent_008)
    response = client.post(reverse("sessions:document_delete", args=[document.pk]), {"confirm": 1})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.is_deleted and document.deleted_by == agent_008
    assert download(client, document).status_code == 404
    assert document.file.storage.exists(document.file.name)  # kept
    assert document.history.count() == 2

    client.force_login(staff)
    response = client.post(
        reverse("admin:confer_document_changelist"),
        {"action": "restore_documents", "_selected_action": [document.pk]},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert not document.is_deleted
    assert download(client, document).status_code == 200


def test_an_agent_cannot_restore(client, agent_008, session):
    document = attach(session)
    operations.delete_document(document, by=agent_008)
    client.force_login(agent_008)
    client.post(
        reverse("admin:confer_document_changelist"),
        {"action": "restore_documents", "_selected_action": [document.pk]},
    )
    document.refresh_from_db()
    assert document.is_deleted


def test_the_flow_attaches_documents_with_the_session(client, agent_008, unit_008):
    client.force_login(agent_008)
    data = {
        "date": "2024-03-01",
        "units": [str(unit_008.pk)],
        "summary": "With paper",
        "advocates-TOTAL_FORMS": "0",
        "advocates-INITIAL_FORMS": "0",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "documents-files": [pdf_upload("sign-in.pdf")],
        "documents-kind": Document.Kind.SIGN_IN_SHEET,
        "documents-title": "Sign-in sheet",
    }
    response = client.post(reverse("sessions:session_new"), data)
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.title, document.kind) == ("Sign-in sheet", Document.Kind.SIGN_IN_SHEET)
    assert document.session.summary == "With paper"


def test_the_flow_refuses_a_bad_file_and_saves_no_session(client, agent_008, unit_008):
    client.force_login(agent_008)
    data = {
        "date": "2024-03-01",
        "units": [str(unit_008.pk)],
        "summary": "With a fake",
        "advocates-TOTAL_FORMS": "0",
        "advocates-INITIAL_FORMS": "0",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "documents-files": [SimpleUploadedFile("x.pdf", b"<html><script></script>")],
    }
    response = client.post(reverse("sessions:session_new"), data)
    assert response.status_code == 200
    assert "Documents, Files to attach:" in response.content.decode()
    assert not Document.objects.exists()
    assert not Session.objects.exists()


def test_the_admin_filters_documents(client, staff, session):
    document = attach(session, kind=Document.Kind.COUNTY_PROPOSAL)
    client.force_login(staff)
    changelist = reverse("admin:confer_document_changelist")
    unit = session.units.get()
    for query in [
        "?kind__exact=county_proposal",
        f"?session__units__id__exact={unit.pk}",
        "?date__gte=2000-01-01",
        "?q=proposal",
    ]:
        response = client.get(changelist + query)
        assert response.status_code == 200, query
        assert list(response.context["cl"].result_list) == [document], query


def test_staff_delete_a_session_without_documents_but_not_one_with(client, staff, session):
    bare = SessionFactory(units=list(session.units.all()))
    attach(session)
    client.force_login(staff)
    for target, gone in [(bare, True), (session, False)]:
        client.post(reverse("admin:confer_session_delete", args=[target.pk]), {"post": "yes"})
        assert Session.objects.filter(pk=target.pk).exists() is not gone


def test_staff_attach_a_document_in_the_admin(client, staff, session):
    client.force_login(staff)
    response = client.post(
        reverse("admin:confer_document_add"),
        {"upload": pdf_upload("letter.pdf"), "session": session.pk, "kind": "correspondence"},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.title, document.added_by, document.kind) == ("letter", staff, "correspondence")
    response = client.post(
        reverse("admin:confer_document_add"),
        {"upload": pdf_upload("again.pdf"), "session": session.pk, "kind": "other"},
    )
    assert response.status_code == 200
    assert "already attached" in response.content.decode()
    fake = SimpleUploadedFile("x.pdf", b"MZ" + b"\x00" * 100)
    response = client.post(
        reverse("admin:confer_document_add"),
        {"upload": fake, "session": session.pk, "kind": "other"},
    )
    assert "kind of file we keep" in response.content.decode()
    assert Document.objects.count() == 1


def test_the_topic_history_lists_the_sessions_documents(client, staff, session):
    item = AgendaItemFactory(session=session, order=1, title="CARES")
    kept = attach(session, title="County proposal", kind=Document.Kind.COUNTY_PROPOSAL)
    gone = attach(session, name="old.pdf", text="old", title="Withdrawn draft")
    operations.delete_document(gone, by=None)
    client.force_login(staff)
    response = client.get(reverse("reports:topic", args=[item.topic_id]))
    text = response.content.decode()
    assert reverse("sessions:document_download", args=[kept.pk]) in text
    assert "Withdrawn draft" not in text
