"""The same document tests on both storages of STORAGES: the file system, and an S3 bucket
through django-storages against a real S3 API (moto's server mode, started here on a free port).
moto is a test dependency: without it this module fails, it never skips."""

import socket
import subprocess
import sys
import time
import uuid

import boto3
import moto  # noqa: F401  (a missing moto must fail the run, not skip it)
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from members.demo import pdf_with_text
from sessions import operations
from sessions.models import Document, Session
from tests.factories import SessionFactory, attach, pdf_upload
from upe_confer.backup import FILES_KEY, fingerprint


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("moto's server did not start")
                time.sleep(0.1)
        else:
            pytest.fail("moto's server did not answer")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def s3_settings(endpoint: str, bucket: str) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "default_acl": "private",
            "file_overwrite": False,
        },
    }


@pytest.fixture(params=["filesystem", "s3"])
def storage(request, settings):
    """Which storage the documents go to; for S3 a new bucket per test."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"upe-{uuid.uuid4().hex[:12]}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=bucket)
        settings.STORAGES = {**settings.STORAGES, "default": s3_settings(endpoint, bucket)}
    return request.param


@pytest.fixture
def session(unit_008):
    return SessionFactory(units=[unit_008], status="held")


@pytest.mark.django_db
def test_upload_list_download_on_each_storage(client, agent_008, agent_005, session, storage):
    client.force_login(agent_008)
    response = client.post(
        reverse("sessions:session_attach", args=[session.pk]),
        {"files": [pdf_upload("a.pdf", "on " + storage)], "kind": "county_proposal"},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.file.storage.exists(document.file.name)
    expected_class = "S3Storage" if storage == "s3" else "FileSystemStorage"
    assert type(document.file.storage._wrapped).__name__ == expected_class
    page = client.get(reverse("sessions:session_detail", args=[session.pk]))
    assert document.title in page.content.decode()
    response = client.get(reverse("sessions:document_download", args=[document.pk]))
    assert b"".join(response.streaming_content) == pdf_with_text(["on " + storage])
    client.force_login(agent_005)
    assert client.get(reverse("sessions:document_download", args=[document.pk])).status_code == 404


def stored_names(storage: str, settings) -> list[str]:
    if storage == "s3":
        return [obj.key for obj in default_storage.bucket.objects.all()]
    root = settings.MEDIA_ROOT
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_a_failed_save_leaves_no_file_on_each_storage(session, storage, settings, monkeypatch):
    attach(session, name="first.pdf", text="kept")
    assert len(stored_names(storage, settings)) == 1

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Document, "save", fail)
    with pytest.raises(RuntimeError):
        attach(session, name="second.pdf", text="lost")
    assert len(stored_names(storage, settings)) == 1


@pytest.mark.django_db
def test_soft_delete_keeps_the_file_on_each_storage(session, storage):
    document = attach(session)
    operations.delete_document(document, by=None)
    assert default_storage.exists(document.file.name)
    assert operations.restore_document(document)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_carry_the_files_on_each_storage(
    tmp_path, session, storage, settings, request
):
    attach(session, name="ta.pdf", text="Side letter")
    before = fingerprint()
    assert before[FILES_KEY]["rows"] == 1
    path = tmp_path / "backup.bin"
    call_command("backup", output=path, format="json")
    call_command("flush", interactive=False, verbosity=0)
    # An empty storage to restore into: a new folder or a new bucket.
    if storage == "s3":
        request.getfixturevalue("s3_endpoint")
        new_bucket = f"upe-{uuid.uuid4().hex[:12]}"
        options = settings.STORAGES["default"]["OPTIONS"]
        boto3.client(
            "s3",
            endpoint_url=options["endpoint_url"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=new_bucket)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_settings(options["endpoint_url"], new_bucket),
        }
    else:
        settings.MEDIA_ROOT = tmp_path / "new-media"
    assert not Session.objects.exists()
    call_command("restore", path)
    assert fingerprint() == before
