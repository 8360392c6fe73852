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
from shanzhi.workorders.choices import AttachmentKind
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


def store_uploads(checked, *, order, appeal, actor_user, stored: list[str]) -> None:
    """Save the files; their names go into `stored` so a failed registration can remove them."""
    for upload, (content_type, kind, ext) in checked:
        digest = hashlib.sha256()
        upload.file.seek(0)
        for chunk in iter(lambda f=upload.file: f.read(65536), b""):
            digest.update(chunk)
        upload.file.seek(0)
        attachment = Attachment(
            work_order=order,
            appeal=appeal,
            kind=kind,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            original_name=upload.name[:200],
            uploaded_by=actor_user,
            created_at=timezone.now(),
        )
        attachment.file.save(f"{secrets.token_hex(16)}.{ext}", File(upload.file), save=False)
        stored.append(attachment.file.name)
        attachment.save()


def discard_stored(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not remove %s after a failed registration", name)
