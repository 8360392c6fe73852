"""Files that come with an appeal: recognised by their first bytes (never by their name), checked
before anything is stored, stored with their digest, and removed again when the registration
that brought them fails."""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import File
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput, PayloadTooLarge
from shanzhi.workorders.choices import AttachmentKind, AttachmentStep
from shanzhi.workorders.models import Attachment

MAX_FILES = 9
logger = logging.getLogger(__name__)

# Upload types recognised by their first bytes, never by the file name.
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg", AttachmentKind.PHOTO, "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", AttachmentKind.PHOTO, "png"),
    (b"GIF87a", "image/gif", AttachmentKind.PHOTO, "gif"),
    (b"GIF89a", "image/gif", AttachmentKind.PHOTO, "gif"),
    (b"%PDF-", "application/pdf", AttachmentKind.DOCUMENT, "pdf"),
    (b"ID3", "audio/mpeg", AttachmentKind.AUDIO, "mp3"),
    (b"#!AMR", "audio/amr", AttachmentKind.AUDIO, "amr"),
]


def sniff(head: bytes) -> tuple[str, str, str] | None:
    """(content type, kind, extension) of a file from its first bytes, or None."""
    for signature, content_type, kind, ext in SIGNATURES:
        if head.startswith(signature):
            return content_type, kind, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", AttachmentKind.PHOTO, "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", AttachmentKind.AUDIO, "wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4", AttachmentKind.AUDIO, "m4a"
        return "video/mp4", AttachmentKind.VIDEO, "mp4"
    return None


@dataclass
class Upload:
    """A file as received: a name and a binary file object (Django UploadedFile or similar)."""

    name: str
    file: object
    size: int


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, tuple[str, str, str]]]:
    """Validate every file before anything is stored; 413 beyond the size limit."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput(_("附件最多 %(n)s 个") % {"n": MAX_FILES}, "attachments")
    checked = []
    for upload in uploads:
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise PayloadTooLarge(
                _("文件 %(name)s 超过 %(mb)s MB 的上限")
                % {"name": upload.name, "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
                "attachments",
            )
        upload.file.seek(0)
        head = upload.file.read(16)
        upload.file.seek(0)
        kind = sniff(head)
        if kind is None:
            raise InvalidInput(
                _("文件 %(name)s 的类型不受支持：只接受照片、录音、视频和 PDF 文档")
                % {"name": upload.name},
                "attachments",
            )
        checked.append((upload, kind))
    return checked


def store_uploads(
    checked,
    *,
    order,
    appeal,
    actor_user,
    stored: list[str],
    step: str = AttachmentStep.APPEAL,
    public: bool = False,
) -> None:
    """Save the files; their names go into `stored` so a failed change can remove them."""
    for upload, (content_type, kind, ext) in checked:
        attachment = Attachment(
            work_order=order,
            appeal=appeal,
            kind=kind,
            step=step,
            public=public,
            content_type=content_type,
            size=upload.size,
            sha256=file_digest(upload.file),
            original_name=upload.name[:200],
            uploaded_by=actor_user,
            created_at=timezone.now(),
        )
        store_file(attachment, upload, ext, stored)


def file_digest(file) -> str:
    """The SHA-256 of a file object's content, read from the start, left at the start."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def store_file(item, upload: Upload, ext: str, stored: list[str]) -> None:
    """Save an upload under a random name into `item.file` and the row; the name goes into
    `stored`, so that a change that fails later can remove the file (`discard_stored`)."""
    item.file.save(f"{secrets.token_hex(16)}.{ext}", File(upload.file), save=False)
    stored.append(item.file.name)
    item.save()


def discard_stored(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not remove %s after a failed registration", name)


# -- photos kept for a form that was refused ----------------------------------------------------

# A refused submission keeps its acceptable files here, so that nobody has to choose them again
# (a resident on a phone has often just taken the photo). The page remembers what it holds in the
# session, by the form's key; a registration moves them into attachments and removes them; what
# a visitor abandons is removed after a day by `held_uploads_prune`.
HELD_DIR = "held"
HELD_DAYS = 1


def uploads_hold(uploads: list[Upload]) -> list[dict]:
    """Store the acceptable files among these (right type, under the size limit) and describe
    them; the others are left out (the form says why)."""
    from django.core.files.storage import default_storage

    held = []
    for upload in uploads:
        if upload.size > settings.UPLOAD_MAX_BYTES:
            continue
        upload.file.seek(0)
        kind = sniff(upload.file.read(16))
        upload.file.seek(0)
        if kind is None:
            continue
        path = default_storage.save(
            f"{HELD_DIR}/{secrets.token_hex(16)}.{kind[2]}", File(upload.file)
        )
        held.append({"name": upload.name[:200], "path": path, "size": upload.size})
    return held


def uploads_reopen(held: list[dict]) -> list[Upload]:
    """The held files as uploads again (those still there)."""
    from django.core.files.storage import default_storage

    reopened = []
    for item in held:
        path = str(item.get("path") or "")
        if not path.startswith(f"{HELD_DIR}/") or not default_storage.exists(path):
            continue
        reopened.append(
            Upload(
                name=str(item.get("name") or ""),
                file=default_storage.open(path, "rb"),
                size=int(item.get("size") or 0),
            )
        )
    return reopened


def uploads_release(held: list[dict]) -> None:
    discard_stored(
        [
            str(item.get("path"))
            for item in held
            if str(item.get("path", "")).startswith(f"{HELD_DIR}/")
        ]
    )


def held_uploads_prune(*, now=None) -> int:
    """Remove held files older than HELD_DAYS (forms that were never sent again)."""
    import datetime

    from django.core.files.storage import default_storage

    now = now or timezone.now()
    try:
        _dirs, names = default_storage.listdir(HELD_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    old = [
        f"{HELD_DIR}/{name}"
        for name in names
        if now - default_storage.get_modified_time(f"{HELD_DIR}/{name}")
        > datetime.timedelta(days=HELD_DAYS)
    ]
    discard_stored(old)
    return len(old)
