"""Documents on the way in and out: what a file is (read from its content, never its name), how
big it may be, and how it is handed back (a download that cannot be turned into a page of ours).

The writes (attach, delete, restore) are operations in sessions/operations.py; who may read a
document is the session's rule (sessions/access.py).
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse

# What may be attached, by the type read from the content: its extensions (the first one is the
# stored name's) and whether a browser may show it inline. Only images are shown inline; a PDF or
# an Office file is always a download (their viewers run scripts of their own).
ALLOWED_TYPES: dict[str, tuple[tuple[str, ...], bool]] = {
    "application/pdf": ((".pdf",), False),
    "image/jpeg": ((".jpg", ".jpeg", ".jpe"), True),
    "image/png": ((".png",), True),
    "image/gif": ((".gif",), True),
    "image/webp": ((".webp",), True),
    "image/heic": ((".heic",), False),
    "image/heif": ((".heif",), False),
    "application/msword": ((".doc", ".dot"), False),
    "application/vnd.ms-excel": ((".xls",), False),
    "application/vnd.ms-powerpoint": ((".ppt",), False),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ((".docx",), False),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ((".xlsx",), False),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        (".pptx",),
        False,
    ),
    "application/vnd.oasis.opendocument.text": ((".odt",), False),
    "application/vnd.oasis.opendocument.spreadsheet": ((".ods",), False),
    "application/vnd.oasis.opendocument.presentation": ((".odp",), False),
    "application/rtf": ((".rtf",), False),
    "text/plain": ((".txt", ".text", ".csv", ".eml", ".md"), False),
}
ALLOWED_DESCRIPTION = "PDF, Word, Excel, PowerPoint, OpenDocument, a photo or plain text"
# How far into a file its type is looked for.
SNIFF_BYTES = 8192
# Text that a browser would take for a page or a script: refused even as "plain text".
MARKUP_START = re.compile(
    rb"^\s*(<!doctype|<html|<head|<body|<script|<svg|<\?xml|<iframe|<meta|<!--)", re.IGNORECASE
)
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")


def max_bytes() -> int:
    return settings.DOCUMENT_MAX_MB * 1024 * 1024


def extension_for(content_type: str) -> str:
    extensions, _ = ALLOWED_TYPES.get(content_type, ((".bin",), False))
    return extensions[0]


def shows_inline(content_type: str) -> bool:
    return ALLOWED_TYPES.get(content_type, ((), False))[1]


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head or MARKUP_START.match(head):
        return False
    try:
        # The sample may end inside a character: judge the whole characters only.
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            return False
    text = head.decode("utf-8", errors="ignore")
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)


def sniff(head: bytes) -> str | None:
    """The allowed type of a file whose first bytes are `head`, or None."""
    if head.startswith(EXECUTABLE_MAGIC):
        return None
    kind = filetype.guess(head)
    if kind is not None:
        mime = {"image/heif": "image/heif", "application/x-rtf": "application/rtf"}.get(
            kind.mime, kind.mime
        )
        return mime if mime in ALLOWED_TYPES else None
    if head.startswith(b"{\\rtf"):
        return "application/rtf"
    if head and _is_plain_text(head):
        return "text/plain"
    return None


def clean_name(name: str) -> str:
    """The uploader's file name as data: no path, no control characters, a sane length."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:255]


@dataclass
class CheckedFile:
    """An upload that passed the checks, with what was learned reading it."""

    upload: UploadedFile
    original_name: str
    content_type: str
    size: int
    sha256: str

    @property
    def stem(self) -> str:
        return self.original_name.rsplit(".", 1)[0] if "." in self.original_name else ""


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Size, type (from the content) and checksum of an upload; ValidationError with a message
    the uploader can act on."""
    name = clean_name(upload.name or "")
    shown = name or "The file"
    limit = settings.DOCUMENT_MAX_MB
    if upload.size is not None and upload.size > max_bytes():
        raise ValidationError(
            f"{shown} is {upload.size / 1024 / 1024:.1f} MB; the limit is {limit} MB. Scan it "
            "at a lower resolution or split it, then attach it again.",
            code="too_big",
        )
    if not upload.size:
        raise ValidationError(f"{shown} is empty.", code="empty")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(
            f"{shown} is not a kind of file we keep: attach {ALLOWED_DESCRIPTION}. (The type "
            "is read from the file's content, not its name.)",
            code="type",
        )
    extensions, _ = ALLOWED_TYPES[content_type]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    named_as_other = any(suffix in other for other, _ in ALLOWED_TYPES.values())
    if suffix and suffix not in extensions and (named_as_other or suffix in DANGEROUS_SUFFIXES):
        raise ValidationError(
            f"{shown} is named like a {suffix} file but its content is not: it was refused. "
            "Attach the original file.",
            code="disguised",
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, name, content_type, upload.size, digest.hexdigest())


DANGEROUS_SUFFIXES = {".html", ".htm", ".xhtml", ".svg", ".js", ".exe", ".bat", ".cmd", ".sh"}


def download_name(document) -> str:
    """A file name for the Content-Disposition header: the title in safe characters (nothing
    that could end the header or start another), with the extension of the stored type."""
    stem = unicodedata.normalize("NFKD", document.title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", stem).strip(" ._")[:100] or "document"
    return f"{stem}{extension_for(document.content_type)}"


def file_response(document) -> FileResponse:
    """The document's file as a download (inline only for images), sniff-proof."""
    return stored_file_response(
        document.file,
        filename=download_name(document),
        content_type=document.content_type,
        inline=shows_inline(document.content_type),
    )


def stored_file_response(
    file, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """A stored file (a FieldFile) sent sniff-proof, never cached."""
    response = FileResponse(
        file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened directly, the file runs nothing and embeds nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
