"""An upload handler that stops receiving an import file at IMPORT_MAX_UPLOAD_BYTES.

Django's own handlers keep the whole file (in memory, or spooled to a temporary file) before a
form sees it; this one, first in the upload pages' handlers, drops a file as soon as it is
known to be too large — from the request's Content-Length or from the bytes received — so an
80 MB upload is neither kept in memory nor written anywhere. The rest of the body is read and
discarded (Django's parser skips the file), and the page shows the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .limits import too_large

# Room for the form's other fields and the multipart boundaries beside the file.
FORM_OVERHEAD = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = int(settings.IMPORT_MAX_UPLOAD_BYTES)
        self.refused = False
        self.size: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: ARG002 - Django's upload handler hook
        if content_length and content_length > self.limit + FORM_OVERHEAD:
            self.refused, self.size = True, int(content_length)
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.refused:
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.refused = True
            raise SkipFile
        return raw_data  # on to Django's memory or temporary-file handler

    def file_complete(self, file_size: int) -> None:  # noqa: ARG002 - Django's hook
        return None  # the next handler builds the file


def limited_upload(view: Callable) -> Callable:
    """A view whose file uploads stop at IMPORT_MAX_UPLOAD_BYTES. The handler must be in place
    before anything reads the body, and the CSRF check reads it: so CSRF is checked here, after
    the handler is inserted (the pattern of Django's documentation on upload handlers)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        handler = LimitedUploadHandler(request)
        request.upload_handlers.insert(0, handler)
        request.limited_upload = handler
        return protected(request, *args, **kwargs)

    return wrapper


def received_whole(request: Any, form: Any, field: str = "file") -> bool:
    """False (the form then says the limit) if the handler dropped the upload."""
    handler = getattr(request, "limited_upload", None)
    if handler is None or not handler.refused:
        return True
    form.is_valid()
    form.errors[field] = form.error_class([too_large(handler.size, handler.limit)])
    return False
