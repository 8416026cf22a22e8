"""A backup restored into an empty database gives back exactly what was there."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection

from members.demo import load_demo
from sessions.models import Advocate, BargainingUnit, Commitment, Session
from tests.factories import (
    AdvocateFactory,
    AgendaItemFactory,
    AttendanceFactory,
    BargainingUnitFactory,
    CommitmentFactory,
    PositionFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
)
from upe_confer.backup import fingerprint
from upe_confer.versions import ContentVersion

# pg_dump reads the database from another process: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

FORMATS = ["json", *(["pg"] if connection.vendor == "postgresql" else [])]


def generate_data(sessions: int) -> None:
    """The demo record plus sessions with everything hanging off them, edits and deletions."""
    call_command("setup_roles", verbosity=0)
    load_demo()
    agent = UserFactory(username="agent")
    agent.groups.add(Group.objects.get(name="Business agent"))
    for n in range(sessions):
        unit = BargainingUnitFactory()
        unit.agents.add(agent)
        session = SessionFactory(
            date=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
            units=[unit],
            logged_by=agent,
            summary=f"Session {n}: «quotes», accents é and emoji ✊",
        )
        item = AgendaItemFactory(session=session, topic=TopicFactory(), order=1)
        item.topic.units.add(unit)
        PositionFactory(agenda_item=item, order=1)
        commitment = CommitmentFactory(agenda_item=item, order=1, owner=agent)
        AttendanceFactory(session=session, advocate=AdvocateFactory(unit=unit))
        if n % 2:
            commitment.mark_kept(on=datetime.date(2024, 6, 1), note="Done.")
    # History that names a user who has since been deleted must survive too.
    leaver = UserFactory(username="leaver")
    SessionFactory(date=datetime.date(2025, 2, 3), logged_by=leaver)
    leaver.delete()
    Topic = TopicFactory._meta.model
    Topic.objects.filter(name="Topic 0").update(description="Edited after the fact.")
    doomed = BargainingUnitFactory(code="999")
    doomed.delete()


def empty_the_database() -> None:
    # What a new database holds after `migrate`: tables, content types and permissions.
    call_command("flush", interactive=False, verbosity=0)
    assert not Session.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_backup_then_restore_into_an_empty_database_changes_nothing(tmp_path, fmt, capsys):
    generate_data(sessions=12)
    before = fingerprint()
    assert before["confer.Session"]["rows"] == 15
    assert before["confer.HistoricalSession"]["rows"] >= 15
    assert before["confer.HistoricalAdvocate"]["rows"] >= 12
    path = tmp_path / ("backup.dump" if fmt == "pg" else "backup.json.gz")

    call_command("backup", output=path, format=fmt)
    empty_the_database()
    call_command("restore", path)

    after = fingerprint()
    assert after == before
    assert "Restored" in capsys.readouterr().out
    # Sequences follow the restored rows: new records get new ids.
    unit = BargainingUnit.objects.get(code="008")
    SessionFactory(date=datetime.date(2026, 1, 5), units=[unit])
    CommitmentFactory(due_date=datetime.date(2026, 2, 1))
    assert Advocate.objects.filter(name="Jeannine Lopez").exists()
    assert Commitment.objects.filter(status="kept").count() == 6


def test_restore_moves_every_content_version_so_no_page_kept_before_is_served(tmp_path):
    load_demo()
    path = tmp_path / "backup.json.gz"
    call_command("backup", output=path, format="json")
    before = {name: version.number() for name, version in ContentVersion.made.items()}
    assert before  # the member pages' version, at least
    empty_the_database()
    call_command("restore", path)
    after = {name: version.number() for name, version in ContentVersion.made.items()}
    assert all(after[name] not in (0, before[name]) for name in before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_restore_refuses_a_database_that_holds_data(tmp_path, fmt):
    load_demo()
    path = tmp_path / ("backup.dump" if fmt == "pg" else "backup.json")
    call_command("backup", output=path, format=fmt)
    before = fingerprint()
    with pytest.raises(CommandError, match="The database is not empty") as refused:
        call_command("restore", path)
    assert "confer.Session (2)" in str(refused.value)
    assert fingerprint() == before


def test_backup_never_overwrites_a_file(tmp_path):
    path = tmp_path / "backup.json"
    path.write_text("precious")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=path, format="json")
    assert path.read_text() == "precious"


def test_restore_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", tmp_path / "nothing.json")


# --- What a backup leaves out, who can read it, and tampering (issue 16) -----------------------

KEY = "Jm2i0c0Nq6qGJ0mQ2VnYp3kT1bq3o8v7P6X4fXw9v2Y="  # a Fernet key (32 bytes, base64)
OTHER_KEY = "4T0Tq9o1m4kFZpZ0QmC8m0p9mX2rJqk3rR7N7cCk9dA="


def signed_in_twice(client) -> list[str]:
    from django.contrib.sessions.models import Session as LoginSession

    staff = UserFactory(username="staffer", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.post("/accounts/login/", {"username": "staffer", "password": "wrong"})
    return list(LoginSession.objects.values_list("session_key", flat=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_backup_is_private_and_holds_no_sign_in(tmp_path, fmt, client, settings):
    from axes.models import AccessAttempt
    from django.contrib.sessions.models import Session as LoginSession

    settings.BACKUP_ENCRYPTION_KEY = ""
    load_demo()
    keys = signed_in_twice(client)
    assert keys and AccessAttempt.objects.exists()
    path = tmp_path / "backup"

    call_command("backup", output=path, format=fmt)

    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError):  # never overwritten
        call_command("backup", output=path, format=fmt)
    before = fingerprint()
    assert "sessions.Session" not in before and "axes.AccessAttempt" not in before
    empty_the_database()
    call_command("restore", path)
    assert fingerprint() == before
    assert not LoginSession.objects.exists() and not AccessAttempt.objects.exists()


def test_an_encrypted_backup_reads_as_noise_and_restores_with_the_key(tmp_path, settings, capsys):
    settings.BACKUP_ENCRYPTION_KEY = KEY
    load_demo()
    before = fingerprint()
    path = tmp_path / "backup"
    call_command("backup", output=path, format="json")
    assert "encrypted" in capsys.readouterr().out
    raw = path.read_bytes()
    assert b"Jeannine" not in raw and b"\x1f\x8b" not in raw  # no name, no gzip stream
    assert b'"encrypted": true' in raw.splitlines()[1]

    empty_the_database()
    settings.BACKUP_ENCRYPTION_KEY = f"{OTHER_KEY},{KEY}"  # a new key; the old one still reads
    call_command("restore", path)
    assert fingerprint() == before


def test_restore_refuses_an_encrypted_backup_without_the_right_key(tmp_path, settings):
    settings.BACKUP_ENCRYPTION_KEY = KEY
    load_demo()
    path = tmp_path / "backup"
    call_command("backup", output=path, format="json")
    empty_the_database()
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="is encrypted: set BACKUP_ENCRYPTION_KEY"):
        call_command("restore", path)
    settings.BACKUP_ENCRYPTION_KEY = OTHER_KEY
    with pytest.raises(CommandError, match="cannot be decrypted with BACKUP_ENCRYPTION_KEY"):
        call_command("restore", path)
    assert not Session.objects.exists()


def tamper(path, *, fix_checksum: bool, at: int = 2) -> None:
    import hashlib
    import json

    magic, header, payload = path.read_bytes().split(b"\n", 2)
    payload = bytearray(payload)
    payload[len(payload) // at] ^= 0x01
    header = json.loads(header)
    if fix_checksum:
        header["sha256"] = hashlib.sha256(payload).hexdigest()
    path.write_bytes(magic + b"\n" + json.dumps(header).encode() + b"\n" + bytes(payload))


@pytest.mark.parametrize("encrypted", [False, True])
def test_restore_refuses_a_tampered_backup(tmp_path, settings, encrypted):
    settings.BACKUP_ENCRYPTION_KEY = KEY if encrypted else ""
    load_demo()
    path = tmp_path / "backup"
    call_command("backup", output=path, format="json")
    empty_the_database()
    tamper(path, fix_checksum=False)
    with pytest.raises(CommandError, match="damaged or was changed after it was written"):
        call_command("restore", path)
    if encrypted:  # whoever fixes the checksum still cannot forge the key's signature
        tamper(path, fix_checksum=True, at=3)
        with pytest.raises(CommandError, match="or the file was altered"):
            call_command("restore", path)
    assert not Session.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_round_trip_of_the_demo_with_documents_carries_the_files(
    tmp_path, fmt, settings, private_media
):
    from sessions import operations
    from sessions.models import Document
    from tests.factories import attach
    from upe_confer.backup import FILES_KEY

    sessions = load_demo()
    attach(sessions[0], name="ta.pdf", text="Side letter", shared_with_members=True)
    deleted = attach(sessions[0], name="old.pdf", text="Withdrawn proposal")
    operations.delete_document(deleted, by=None)  # soft: its file is backed up too
    before = fingerprint()
    assert before[FILES_KEY]["rows"] == 3
    path = tmp_path / "backup.bin"
    call_command("backup", output=path, format=fmt)

    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "new-media"  # a new machine: no files at all
    assert fingerprint()[FILES_KEY]["rows"] == 0
    call_command("restore", path)

    assert fingerprint() == before
    for document in Document.objects.all():
        assert (tmp_path / "new-media" / document.file.name).is_file()


def test_a_lost_or_changed_file_changes_the_fingerprint(private_media):
    from upe_confer.backup import FILES_KEY

    load_demo()
    before = fingerprint()[FILES_KEY]
    [stored] = [p for p in private_media.rglob("*") if p.is_file()]
    stored.write_bytes(stored.read_bytes() + b"\n")
    assert fingerprint()[FILES_KEY] != before
    stored.unlink()
    assert fingerprint()[FILES_KEY] != before


def test_restore_refuses_a_backup_whose_file_was_altered(tmp_path, settings):
    import hashlib
    import io
    import json
    import tarfile

    load_demo()
    path = tmp_path / "backup.bin"
    call_command("backup", output=path, format="json")
    # Rewrite the payload with one file changed and the envelope's checksum made to match:
    # the per-file checksum still catches it.
    raw = path.read_bytes()
    magic, header, payload = raw.split(b"\n", 2)
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(payload)) as source,
        tarfile.open(fileobj=out, mode="w") as target,
    ):
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("files/"):
                data = data.replace(b"demo", b"DEMO")
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    meta = json.loads(header)
    meta["sha256"] = hashlib.sha256(out.getvalue()).hexdigest()
    forged = tmp_path / "forged.bin"
    forged.write_bytes(magic + b"\n" + json.dumps(meta).encode() + b"\n" + out.getvalue())
    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "new-media"
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", forged)
    assert not Session.objects.exists()
