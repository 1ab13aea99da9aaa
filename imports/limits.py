"""The limits an uploaded .xlsx must stay within, checked before anything is parsed.

An .xlsx is a zip of XML files. openpyxl (even in read-only mode) loads the shared strings
whole, and streams the sheet; so a small upload can still cost gigabytes (a highly compressible
sheet or string table: a zip bomb) or minutes (millions of rows declared with a few bytes each).
`check_xlsx` reads only the zip's central directory — the members' declared sizes — and refuses
a file that is too large, not a zip, or whose unzipped size or compression ratio is beyond the
limits. Python's zipfile never yields more than a member's declared size (it stops there and
the CRC check fails), so the declared sizes really bound what the parser reads.

While reading (`imports.sheet.read_table`) the row, column and cell-length limits stop the
import with a message naming the limit.

Every limit is a setting from the environment (README: IMPORT_*). The upload forms, the Celery
task and the management commands all go through `check_xlsx` (the forms before the file is
stored, the importers before openpyxl opens it).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    unzipped_bytes: int
    compression_ratio: float
    rows: int
    columns: int
    cell_chars: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            upload_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
            unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_BYTES,
            compression_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
        )


class FileRefused(ValueError):
    """The file is refused before parsing; the message (Chinese) says which limit and why."""


def _megabytes(size: float) -> str:
    return f"{size / MIB:.1f} MB"


def _size(file: Any) -> int | None:
    if isinstance(file, str | os.PathLike):
        return os.path.getsize(file)
    size = getattr(file, "size", None)  # Django's File and UploadedFile
    if size is not None:
        return int(size)
    try:
        position = file.tell()
        file.seek(0, os.SEEK_END)
        end = file.tell()
        file.seek(position)
    except (AttributeError, OSError):
        return None
    return int(end)


def too_large(size: int | None, limit: int) -> str:
    """The message for a file above IMPORT_MAX_UPLOAD_BYTES (`size` None: not known)."""
    if size is None:
        return _("文件过大，上传的 Excel 文件不能超过 %(max)s（IMPORT_MAX_UPLOAD_BYTES）。") % {
            "max": _megabytes(limit)
        }
    return _(
        "文件过大（%(size)s），上传的 Excel 文件不能超过 %(max)s（IMPORT_MAX_UPLOAD_BYTES）。"
    ) % {"size": _megabytes(size), "max": _megabytes(limit)}


def check_xlsx(file: str | os.PathLike | IO[bytes] | Any, limits: Limits | None = None) -> None:
    """Raises FileRefused unless `file` (a path or a seekable binary file) is a zip within the
    size, unzipped-size and compression-ratio limits. Reads only the zip's directory; a file
    object is left at its start."""
    limits = limits or Limits.from_settings()
    size = _size(file)
    if size is not None and size > limits.upload_bytes:
        raise FileRefused(too_large(size, limits.upload_bytes))
    try:
        if hasattr(file, "seek"):
            file.seek(0)
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(
            _("无法读取 Excel 文件：不是有效的 .xlsx 文件（.xlsx 是 zip 压缩格式）。")
        ) from None
    finally:
        if hasattr(file, "seek"):
            file.seek(0)
    unzipped = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if unzipped > limits.unzipped_bytes:
        raise FileRefused(
            _(
                "文件解压后过大（%(size)s），超过 %(max)s 的限制（IMPORT_MAX_UNZIPPED_BYTES），"
                "未读取。请删除多余的工作表、图片或空行后重新上传。"
            )
            % {"size": _megabytes(unzipped), "max": _megabytes(limits.unzipped_bytes)}
        )
    ratio = unzipped / max(compressed, 1)
    if ratio > limits.compression_ratio:
        raise FileRefused(
            _(
                "文件压缩比异常（%(ratio).0f 倍，限制为 %(max)g 倍，"
                "IMPORT_MAX_COMPRESSION_RATIO），"
                "可能是恶意构造的文件，未读取。"
            )
            % {"ratio": ratio, "max": limits.compression_ratio}
        )
