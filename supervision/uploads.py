"""Attachments and photos, checked by what they contain — not by their name or the browser's
content type — and by size, before anything is stored.

Pillow is not a dependency, so images are recognised by their signatures (JPEG, PNG, WebP) and
documents by theirs (PDF; DOCX and XLSX are ZIP packages that must hold their main part). The
file name's extension must agree with the content, so a renamed executable is refused.

`exif_taken_at` reads a JPEG's EXIF DateTimeOriginal (when the camera took it) by walking the
few bytes of its APP1 segment — no image library needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import AttachmentKind
from .models import SupervisionSettings


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extensions: tuple[str, ...]
    kind: str  # AttachmentKind


JPEG = FileType("JPEG", "image/jpeg", (".jpg", ".jpeg"), AttachmentKind.PHOTO)
PNG = FileType("PNG", "image/png", (".png",), AttachmentKind.PHOTO)
WEBP = FileType("WebP", "image/webp", (".webp",), AttachmentKind.PHOTO)
PDF = FileType("PDF", "application/pdf", (".pdf",), AttachmentKind.DOCUMENT)
DOCX = FileType(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    AttachmentKind.DOCUMENT,
)
XLSX = FileType(
    "XLSX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    AttachmentKind.DOCUMENT,
)
IMAGES = (JPEG, PNG, WEBP)
DOCUMENTS = (PDF, DOCX, XLSX)
ACCEPTED = "JPEG、PNG、WebP、PDF、DOCX、XLSX"


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile[bytes]  # rewound
    file_type: FileType
    size: int
    sha256: str
    original_name: str


def _sniff(head: bytes, upload: UploadedFile[bytes]) -> FileType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
    return None


def check_upload(
    upload: UploadedFile[bytes] | None, *, images_only: bool = False, field: str = "file"
) -> CheckedUpload:
    """Validates an uploaded file; raises ValidationError({field: …}) naming what is wrong."""
    if upload is None:
        raise ValidationError({field: _("请选择要上传的文件。")})
    limit_mb = SupervisionSettings.current().max_upload_mb
    size = upload.size
    assert size is not None  # an uploaded file knows its size
    if size > limit_mb * 1024 * 1024:
        raise ValidationError(
            {
                field: _("文件过大（%(size).1f MB），单个文件不能超过 %(limit)s MB。")
                % {"size": size / 1024 / 1024, "limit": limit_mb}
            }
        )
    if size == 0:
        raise ValidationError({field: _("文件为空。")})
    upload.seek(0)
    head = upload.read(16)
    file_type = _sniff(head, upload)
    allowed = IMAGES if images_only else IMAGES + DOCUMENTS
    if file_type is None or file_type not in allowed:
        accepted = "JPEG、PNG、WebP" if images_only else ACCEPTED
        raise ValidationError(
            {
                field: _("文件“%(name)s”不是可接受的%(what)s（仅支持 %(accepted)s）。")
                % {
                    "name": upload.name,
                    "what": _("图片") if images_only else _("图片或文件"),
                    "accepted": accepted,
                }
            }
        )
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in file_type.extensions:
        raise ValidationError(
            {
                field: _("文件“%(name)s”的内容是 %(type)s，与扩展名不符。")
                % {"name": upload.name, "type": file_type.name}
            }
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        file=upload,
        file_type=file_type,
        size=size,
        sha256=digest.hexdigest(),
        original_name=PurePath(upload.name or "").name[:255],
    )


# --- EXIF: when a photo was taken ---------------------------------------------------------

_EXIF_IFD = 0x8769  # IFD0's pointer to the Exif IFD
_DATETIME_ORIGINAL = 0x9003  # "YYYY:MM:DD HH:MM:SS", the camera's local time
_OFFSET_TIME_ORIGINAL = 0x9011  # "+08:00", where the camera wrote it
_HEAD = 256 * 1024  # APP1 comes first in a camera's JPEG; never read the whole picture


def exif_taken_at(upload: UploadedFile[bytes]) -> dt.datetime | None:
    """The DateTimeOriginal of a JPEG's EXIF, aware: with its OffsetTimeOriginal where the
    camera wrote one, else in the installation's time zone (a phone's local time). None for
    other formats, no EXIF, or anything malformed. Leaves the file rewound."""
    try:
        upload.seek(0)
        head = upload.read(_HEAD)
    finally:
        upload.seek(0)
    if not head.startswith(b"\xff\xd8"):
        return None
    try:
        tiff = _exif_segment(head)
        return _taken_at(tiff) if tiff is not None else None
    except (struct.error, ValueError, IndexError, UnicodeDecodeError):
        return None


def _exif_segment(head: bytes) -> bytes | None:
    pos = 2
    while pos + 4 <= len(head) and head[pos] == 0xFF:
        marker = head[pos + 1]
        if marker == 0xDA:  # start of scan: the picture itself, no more metadata
            return None
        (length,) = struct.unpack(">H", head[pos + 2 : pos + 4])
        body = head[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            return body[6:]
        pos += 2 + length
    return None


def _ifd(tiff: bytes, offset: int, order: str) -> dict[int, tuple[int, int, bytes]]:
    """The entries of the IFD at `offset`: tag → (type, count, the 4 value/offset bytes)."""
    (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
    entries = {}
    for i in range(min(count, 512)):
        start = offset + 2 + 12 * i
        tag, kind, n = struct.unpack(order + "HHI", tiff[start : start + 8])
        entries[tag] = (kind, n, tiff[start + 8 : start + 12])
    return entries


def _ascii(tiff: bytes, entry: tuple[int, int, bytes], order: str) -> str:
    kind, n, raw = entry
    if kind != 2:
        raise ValueError("not ASCII")
    data = raw[:n] if n <= 4 else tiff[struct.unpack(order + "I", raw)[0] :][:n]
    return data.split(b"\x00", 1)[0].decode("ascii").strip()


def _taken_at(tiff: bytes) -> dt.datetime | None:
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return None
    (ifd0,) = struct.unpack(order + "I", tiff[4:8])
    pointer = _ifd(tiff, ifd0, order).get(_EXIF_IFD)
    if pointer is None:
        return None
    exif = _ifd(tiff, struct.unpack(order + "I", pointer[2])[0], order)
    if _DATETIME_ORIGINAL not in exif:
        return None
    taken = _ascii(tiff, exif[_DATETIME_ORIGINAL], order)
    if _OFFSET_TIME_ORIGINAL in exif:
        offset = _ascii(tiff, exif[_OFFSET_TIME_ORIGINAL], order)
        return dt.datetime.strptime(taken + offset, "%Y:%m:%d %H:%M:%S%z")
    # no offset written: the camera's clock is the local time of the installation
    naive = dt.datetime.strptime(taken, "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007  (made aware next)
    return timezone.make_aware(naive)
