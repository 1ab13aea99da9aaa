"""Middleware of the installation.

- Language: Chinese unless the user chose otherwise. Office PCs in government often run an
  English Windows or browser, whose Accept-Language would switch a Chinese application to
  English for an official who never asked. The language is the one the user picked with the
  language switch (Django's language cookie), else LANGUAGE_CODE.
- Bad bytes in a URL (NUL and other control characters in the path or the query string) are a
  400 before any view or query sees them (PostgreSQL refuses NUL in a string: a 500 otherwise).
"""

from urllib.parse import unquote_plus

from django.http import HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils.translation import gettext as _

from core.text import has_control


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware with the browser's Accept-Language left out."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class RefuseControlCharactersMiddleware:
    """400 for a request whose path or query string holds a control character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = unquote_plus(request.META.get("QUERY_STRING", ""), errors="replace")
        if has_control(request.path) or has_control(query):
            return HttpResponseBadRequest(
                _("请求地址中含有控制字符（如 NUL），已拒绝。"),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
