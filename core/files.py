"""Stored files sent to the user who may see them: every download (an issue's attachment, an
inspection photo, a reminder letter's Word file) goes through a view that checked the scope
first and then calls `stored_file_response` — MEDIA_ROOT is never served as such.

The response streams the file (FileResponse), names it with its original name, says what it is
(the content type recorded when it was checked on upload, never guessed from the name), shows
images inline and everything else as a download, and tells the browser not to sniff another
type nor to keep a copy. A row whose file is missing, or whose stored name would lead outside
MEDIA_ROOT, is a 404 like a row the user may not see.

With `MEDIA_ACCEL_REDIRECT` set (e.g. `/protected-media/`), the body is left to the front web
server: the response carries only the headers and `X-Accel-Redirect: <prefix><stored name>`
(nginx: an `internal` location aliased to MEDIA_ROOT; README, `MEDIA_ACCEL_REDIRECT`).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

# Shown in the browser rather than downloaded: the image types the upload check accepts (by
# content). SVG and HTML are never among them, so nothing inline can run a script.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def stored_file_response(
    stored: FieldFile, *, filename: str, content_type: str
) -> HttpResponse | FileResponse:
    """The download of `stored` (a checked upload or a generated file) as `filename`."""
    if not stored:
        raise Http404(_("文件不存在。"))
    name = str(stored.name)
    inline = content_type in INLINE_TYPES
    prefix = settings.MEDIA_ACCEL_REDIRECT
    try:
        if prefix:
            # Same check as opening it: the stored name must stay inside MEDIA_ROOT.
            stored.storage.path(name)
            response: HttpResponse | FileResponse = HttpResponse(content_type=content_type)
            response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
            disposition = "inline" if inline else "attachment"
            response["Content-Disposition"] = (
                f"{disposition}; filename*=utf-8''{quote(filename, safe='')}"
            )
        else:
            response = FileResponse(
                stored.open("rb"),
                as_attachment=not inline,
                filename=filename,
                content_type=content_type,
            )
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        raise Http404(_("文件不存在。")) from None
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, no_store=True, private=True)
    return response
