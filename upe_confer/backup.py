"""Backups that restore: the whole database, written and read back, provably unchanged.

Two formats:

- PostgreSQL with `pg_dump` on the PATH: `pg_dump --format=custom`, restored with `pg_restore`. An
  exact copy (schema, data, sequences) and the fastest for large databases.
- Otherwise (SQLite, or `--format json`): Django's serialized data of every app, history tables
  included, loaded back with `loaddata`. Every row keeps its primary key, content types and
  permissions included, so links survive as they are. We do not use natural keys: a history record
  may name a user or a unit deleted since, and natural keys would have to look it up to write it.

`fingerprint()` summarizes a database (rows and a checksum per model) so a restore can be checked
against the source: `manage.py fingerprint` before the backup and after the restore.

What a backup leaves out and how it is kept (issue 16):

- Sign-in sessions and sign-in attempt counters are never written (NOT_BACKED_UP): a copy of a
  session would sign its reader in as that person, and both are re-made by signing in. Password
  hashes stay (otherwise every member would have to reset), and so do calendar tokens, which
  are stored as hashes only (subscribed links keep working after a restore). Content versions
  (upe_confer.versions) are not written either: `restore` moves every one of them, so no page
  kept from the data it replaced is served again.
- The file is created with mode 0600, never readable by other accounts on the machine.
- It is one envelope: a first line naming the format, a header with the SHA-256 of the payload
  and whether it is encrypted, then the payload (pg_dump's custom format or gzipped JSON).
  With BACKUP_ENCRYPTION_KEY set the payload is encrypted with Fernet (AES-128-CBC and
  HMAC-SHA256, from `cryptography`): unreadable without the key, and any change to the file
  is detected. `restore` checks the checksum (and the HMAC) before it touches the database and
  refuses a damaged or altered file. Backups written before the envelope still restore.

Files (issue 12): the files that rows name through a FileField (the record's documents) are in
the backup too. The payload is then a tar archive: the dump, `files/<stored name>` for each
file, and `files.json` with the SHA-256 of each. `restore` checks every file against it before it
touches the database, then writes each file back to the storage (the file system or the S3
bucket of STORAGES) under the same name. `fingerprint()` includes the files' content ("files"),
so a round trip that lost or changed one does not compare equal.
"""

import datetime
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import FileField, Model
from django.test.utils import override_settings

PG_CUSTOM_MAGIC = b"PGDMP"
ENVELOPE_MAGIC = b"UPE-CONFER-BACKUP 1\n"
# Rows a backup never holds (app_label.model_name): see the module's docstring.
NOT_BACKED_UP = {
    "sessions.session",
    # Content versions say whether a kept page is fresh: an old number restored could name a page
    # kept from other data. `restore` moves every version instead.
    "upe_confer.storedversion",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "axes.accessfailurelog",
}
# `migrate` writes these rows into a brand-new database: a database holding only these is empty.
WRITTEN_BY_MIGRATE = (ContentType, Permission)


class RestoreRefused(Exception):
    """The backup cannot be restored here; the message says why and what to do."""


def is_postgresql(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def pg_tools_available() -> bool:
    return shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


def default_format(using: str = DEFAULT_DB_ALIAS) -> str:
    return "pg" if is_postgresql(using) and pg_tools_available() else "json"


def libpq_environment(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The connection as libpq variables: no password on a command line for `ps` to show."""
    db = connections[using].settings_dict
    env = dict(os.environ)
    for variable, value in [
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db["NAME"]),
        ("PGSSLMODE", db.get("OPTIONS", {}).get("sslmode")),
    ]:
        if value:
            env[variable] = str(value)
    return env


def all_models(registry=apps) -> list[type[Model]]:
    """Every table Django manages, history and many-to-many tables included. `registry` may be
    a migration state's apps, to read a database in an older layout."""
    return [
        model
        for model in registry.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def rows_in_the_way(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows the database holds beyond what `migrate` writes, per model: all must be zero."""
    tables = set(connections[using].introspection.table_names())
    counts = {}
    for model in all_models():
        if (
            model in WRITTEN_BY_MIGRATE
            or not backed_up(model)
            or model._meta.db_table not in tables
        ):
            continue
        count = model._base_manager.using(using).count()
        if count:
            counts[model._meta.label] = count
    return counts


def backed_up(model: type[Model]) -> bool:
    return model._meta.label_lower not in NOT_BACKED_UP


FILES_KEY = "files (storage)"


def fingerprint(using: str = DEFAULT_DB_ALIAS, registry=apps) -> dict[str, dict[str, int | str]]:
    """Rows and a SHA-256 of their content (every field, primary keys included), per model
    label, of what a backup holds, and the files the rows name (FILES_KEY: how many, and a
    SHA-256 over each name and its content's SHA-256); `fingerprint_by_table` keys every table
    by its name, which survives a model moving app."""
    prints = {
        model._meta.label: entry
        for model, entry in sorted(
            _fingerprints(using, registry), key=lambda pair: pair[0]._meta.label
        )
        if backed_up(model)
    }
    if registry is apps:
        files = stored_files(using)
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(f"{name}\t{file_sha256(files[name], name)}\n".encode())
        prints[FILES_KEY] = {"rows": len(files), "sha256": digest.hexdigest()}
    return prints


def stored_files(using: str = DEFAULT_DB_ALIAS) -> dict:
    """Every file a row names through a FileField, history rows included: {name: storage}."""
    files = {}
    tables = set(connections[using].introspection.table_names())
    for model in all_models():
        if not backed_up(model) or model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField):
                names = model._base_manager.using(using).values_list(field.attname, flat=True)
                for name in names.exclude(**{field.attname: ""}).distinct():
                    files[name] = field.storage
    return files


def file_sha256(storage, name: str) -> str:
    """The SHA-256 of a stored file, or "missing"."""
    if not storage.exists(name):
        return "missing"
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint_by_table(
    using: str = DEFAULT_DB_ALIAS, registry=apps
) -> dict[str, dict[str, int | str]]:
    return {model._meta.db_table: entry for model, entry in _fingerprints(using, registry)}


def _fingerprints(using: str, registry):
    """Rows are in primary-key order except many-to-many links, ordered by their pair."""
    tables = set(connections[using].introspection.table_names())
    for model in all_models(registry):
        if model._meta.db_table not in tables:
            continue
        # By name, not declaration order: a field added by a later migration comes last in the
        # migration state but may be declared earlier in the model.
        fields = sorted(field.attname for field in model._meta.concrete_fields)
        order = ["pk"]
        if model._meta.auto_created:
            # A many-to-many link is its pair of ids; the row's own id is not data (loaddata
            # writes links anew), so links are compared as a set.
            fields.remove(model._meta.pk.attname)
            order = fields
        queryset = model._base_manager.using(using).order_by(*order)
        digest = hashlib.sha256()
        count = 0
        for row in queryset.values_list(*fields):
            digest.update(json.dumps(row, default=str).encode())
            digest.update(b"\n")
            count += 1
        yield model, {"rows": count, "sha256": digest.hexdigest()}


class BackupKeyMissing(Exception):
    """An encrypted backup and no key to read it."""


def fernet() -> MultiFernet | None:
    """The backup key(s) from BACKUP_ENCRYPTION_KEY (comma-separated: the first encrypts, any
    decrypts, so an old backup still restores after the key is changed), or None."""
    keys = [key.strip() for key in settings.BACKUP_ENCRYPTION_KEY.split(",") if key.strip()]
    if not keys:
        return None
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ValueError(
            "BACKUP_ENCRYPTION_KEY is not a valid key: make one with python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None


@contextmanager
def private_directory():
    """A temporary directory only this account can read (mkdtemp makes it 0700)."""
    directory = Path(tempfile.mkdtemp(prefix="upe-confer-backup-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def write_private(path: Path, *chunks: bytes) -> None:
    """Create path (never overwriting) readable and writable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(stream.fileno(), 0o600)  # whatever the umask
        for chunk in chunks:
            stream.write(chunk)


def backup(path: Path, fmt: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Write the backup to path (mode 0600); returns whether it is encrypted."""
    if fmt == "pg" and not is_postgresql(using):
        raise ValueError("The pg format needs PostgreSQL; use --format json.")
    keys = fernet()
    with private_directory() as directory:
        dump = directory / ("dump" if fmt == "pg" else "dump.json.gz")
        if fmt == "pg":
            skipped = [
                f"--exclude-table-data={model._meta.db_table}"
                for model in all_models()
                if not backed_up(model)
            ]
            subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    *skipped,
                    "--file",
                    str(dump),
                ],
                env=libpq_environment(using),
                check=True,
            )
        else:
            with gzip.open(dump, "wt", encoding="utf-8") as stream:
                serializers.serialize("json", every_row(using), stream=stream, cls=ExactJSONEncoder)
        files = stored_files(using)
        if files:
            dump = archive_with_files(dump, files, directory)
        payload = dump.read_bytes()
    if keys is not None:
        payload = keys.encrypt(payload)
    header = {
        "format": fmt,
        "files": bool(files),
        "encrypted": keys is not None,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "written_at": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    write_private(path, ENVELOPE_MAGIC, json.dumps(header).encode() + b"\n", payload)
    return keys is not None


def archive_with_files(dump: Path, files: dict, directory: Path) -> Path:
    """A tar of the dump, every stored file (`files/<name>`) and their SHA-256 (`files.json`).
    A file a row names but the storage lacks is said, not skipped: the backup is refused."""
    archive = directory / "payload.tar"
    manifest = {}
    with tarfile.open(archive, "w") as tar:
        tar.add(dump, arcname=dump.name)
        for name, storage in sorted(files.items()):
            if not storage.exists(name):
                raise FileNotFoundError(
                    f"A document's file is missing from the storage: {name}. Restore it (or "
                    "delete the row) before backing up."
                )
            copy = directory / "file"
            digest = hashlib.sha256()
            with storage.open(name, "rb") as source, open(copy, "wb") as target:
                for chunk in iter(lambda: source.read(1024 * 1024), b""):
                    digest.update(chunk)
                    target.write(chunk)
            manifest[name] = digest.hexdigest()
            tar.add(copy, arcname=f"files/{name}")
            copy.unlink()
        listing = directory / "files.json"
        listing.write_text(json.dumps(manifest, sort_keys=True))
        tar.add(listing, arcname="files.json")
    return archive


def unpack_files(archive: Path, directory: Path) -> tuple[Path, dict[str, str]]:
    """The dump and the manifest of a tar payload, every file checked against its SHA-256."""
    unpacked = directory / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")  # no absolute paths, no "..", no links out
    manifest = json.loads((unpacked / "files.json").read_text())
    for name, expected in manifest.items():
        path = unpacked / "files" / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            raise RestoreRefused(
                f"The backup's copy of {name} is missing or does not match its checksum. "
                "Nothing was restored; use another copy of the backup."
            )
    dump = next(p for p in unpacked.iterdir() if p.name in ("dump", "dump.json.gz"))
    return dump, manifest


def files_in_the_way(unpacked: Path, manifest: dict[str, str]) -> list[str]:
    """Files the storage already holds under a backed-up name, with other content."""
    storage = _document_storage()
    return [
        name
        for name, expected in manifest.items()
        if storage.exists(name) and file_sha256(storage, name) != expected
    ]


def _document_storage():
    from django.core.files.storage import default_storage

    return default_storage


def put_files_back(unpacked: Path, manifest: dict[str, str]) -> None:
    storage = _document_storage()
    for name in manifest:
        if storage.exists(name):
            continue  # the same content (checked by files_in_the_way)
        with open(unpacked / "files" / name, "rb") as stream:
            saved = storage.save(name, stream)
        if saved != name:
            raise RestoreRefused(f"The storage renamed {name} to {saved}: check its settings.")


class ExactJSONEncoder(DjangoJSONEncoder):
    """`dumpdata` (DjangoJSONEncoder) cuts times to milliseconds; a backup keeps every digit."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def every_row(using: str = DEFAULT_DB_ALIAS):
    """What `dumpdata --all` writes: every row of every model (many-to-many links ride on their
    model's rows), through the base managers so no custom manager hides any."""
    for model in apps.get_models():
        if model._meta.proxy or not router.allow_migrate_model(using, model):
            continue
        if not backed_up(model):
            continue
        queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
        yield from queryset.iterator(chunk_size=2000)


def check_json_name(path: Path) -> None:
    # loaddata tells the format (and the compression) from the file name.
    if not path.name.endswith((".json", ".json.gz")):
        raise ValueError(f"A JSON backup's name ends with .json or .json.gz, not {path.name}.")


def backup_format_of(path: Path) -> str:
    with open(path, "rb") as stream:
        return "pg" if stream.read(len(PG_CUSTOM_MAGIC)) == PG_CUSTOM_MAGIC else "json"


def open_envelope(path: Path, directory: Path) -> tuple[Path, bool]:
    """Check a backup's integrity, decrypt it if need be, and return the plain dump (written in
    `directory`) and whether it was encrypted. Raises RestoreRefused with what is wrong."""
    with open(path, "rb") as stream:
        if stream.read(len(ENVELOPE_MAGIC)) != ENVELOPE_MAGIC:
            return path, False  # written before backups had an envelope
        try:
            header = json.loads(stream.readline())
            fmt, encrypted, expected = header["format"], header["encrypted"], header["sha256"]
            with_files = bool(header.get("files", False))
        except (ValueError, KeyError, TypeError):
            raise RestoreRefused(
                f"{path} is damaged: its header cannot be read. Nothing was restored."
            ) from None
        payload = stream.read()
    if fmt not in ("pg", "json") or hashlib.sha256(payload).hexdigest() != expected:
        raise RestoreRefused(
            f"{path} is damaged or was changed after it was written: its checksum does not "
            "match. Nothing was restored; use another copy of the backup."
        )
    if encrypted:
        keys = fernet()
        if keys is None:
            raise RestoreRefused(
                f"{path} is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was written with."
            )
        try:
            payload = keys.decrypt(payload)
        except InvalidToken:
            raise RestoreRefused(
                f"{path} cannot be decrypted with BACKUP_ENCRYPTION_KEY: either the key is not "
                "the one it was written with, or the file was altered. Nothing was restored."
            ) from None
    if with_files:
        write_private(directory / "payload.tar", payload)
        return directory / "payload.tar", encrypted
    plain = directory / ("dump" if fmt == "pg" else "dump.json.gz")
    write_private(plain, payload)
    return plain, encrypted


def restore(path: Path, using: str = DEFAULT_DB_ALIAS) -> str:
    """Load a backup into an empty database; returns the format it was in."""
    try:
        fernet()  # a malformed key is said before anything else
    except ValueError as error:
        raise RestoreRefused(str(error)) from None
    with private_directory() as directory:
        plain, _ = open_envelope(path, directory)
        manifest: dict[str, str] = {}
        if plain.name == "payload.tar":
            plain, manifest = unpack_files(plain, directory)
            if clashing := files_in_the_way(plain.parent, manifest):
                raise RestoreRefused(
                    "The file storage already holds other files under the backup's names ("
                    f"{', '.join(clashing[:5])}). Restore into an empty MEDIA_ROOT or bucket."
                )
        fmt = _restore_plain(plain, using, name=path)
        put_files_back(plain.parent, manifest)
        return fmt


def _restore_plain(path: Path, using: str, name: Path) -> str:
    fmt = backup_format_of(path)
    if fmt == "pg" and not is_postgresql(using):
        raise RestoreRefused(
            f"{name} was written by pg_dump: restore it into a PostgreSQL database "
            "(DATABASE_URL=postgres://...)."
        )
    if fmt == "pg" and not pg_tools_available():
        raise RestoreRefused("pg_restore is not installed (apt-get install postgresql-client).")
    in_the_way = rows_in_the_way(using)
    if in_the_way:
        listed = ", ".join(f"{label} ({count})" for label, count in sorted(in_the_way.items()))
        raise RestoreRefused(
            "The database is not empty, and a restore never overwrites data. It holds: "
            f"{listed}. Restore into a new database (createdb, then point DATABASE_URL at it)."
        )
    if fmt == "pg":
        # The database may hold the empty tables of a `migrate`: --clean drops them first.
        connections[using].close()
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                connections[using].settings_dict["NAME"],
                str(path),
            ],
            env=libpq_environment(using),
            check=True,
        )
        return fmt
    try:
        check_json_name(path)
    except ValueError as error:
        raise RestoreRefused(str(error)) from None
    call_command("migrate", database=using, interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    # The backup has its own content types and permissions, with the ids its rows point to.
    # Loading must not write history: these are the old records, not new changes.
    with transaction.atomic(using=using), override_settings(SIMPLE_HISTORY_ENABLED=False):
        Permission.objects.using(using).all().delete()
        ContentType.objects.using(using).all().delete()
        call_command("loaddata", str(path), database=using, verbosity=0)
    ContentType.objects.clear_cache()
    return fmt
