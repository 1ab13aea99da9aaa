"""Middleware of the installation.

- Language: Chinese unless the user chose otherwise. Office PCs in government often run an
  English Windows or browser, whose Accept-Language would switch a Chinese application to
  English for an official who never asked. The language is the one the user picked with the
  language switch (Django's language cookie), else LANGUAGE_CODE.
- Bad bytes in a URL (NUL and other control characters in the path or the query string) are a
  400 before any view or query sees them (PostgreSQL refuses NUL in a string: a 500 otherwise).
- What a signed-in user sees is not kept by browsers or proxies (`Cache-Control: no-store`),
  nor is any API response.
- A user created with a password someone else chose (`User.must_change_password`) changes it
  before anything else.
- A view that ran into a lock or statement timeout (an import holds the rows) answers 503 with
  `Retry-After` and a page saying to retry, not a 500 (`core.db`; the API's own handler,
  `core.api.exception_handler`, answers JSON).
"""

import logging
from urllib.parse import unquote_plus

from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from core.db import RETRY_AFTER_SECONDS, is_database_busy
from core.text import has_control

logger = logging.getLogger(__name__)


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


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in user and on every API
    response, unless the view chose its own caching (the public colour stylesheet)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if (signed_in or request.path.startswith("/api/")) and not response.has_header(
            "Cache-Control"
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response


class PasswordChangeRequiredMiddleware:
    """Sends a user who must change their password to the password page (the API answers 403)
    until they have; signing out and the page itself stay open."""

    OPEN = ("/accounts/", "/i18n/", "/static/", "/healthz", "/colours.css")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.OPEN)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("请先修改初始密码（/accounts/password/）。")}, status=403
                )
            return redirect(f"{reverse('web:password_change')}?next={request.path}")
        return self.get_response(request)


class DatabaseBusyMiddleware:
    """503 "数据正忙，请稍后重试" (with `Retry-After`) for a view that waited in vain for a lock
    or whose statement ran out of time; the change was rolled back, nothing half-saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_busy(exception):
            return None
        logger.warning("database busy on %s %s: %s", request.method, request.path, exception)
        response = render(request, "busy.html", {"retry_after": RETRY_AFTER_SECONDS}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        patch_cache_control(response, no_store=True, private=True)
        return response
