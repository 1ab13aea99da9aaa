"""API tokens that expire: DRF's token authentication, refusing a token older than
`API_TOKEN_MAX_AGE_DAYS` (0: never). A user gets a new token with `drf_create_token -r USER`
or on the page 我的账号 (the old one stops working at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expires_at(created: dt.datetime) -> dt.datetime | None:
    """When a token created at `created` stops working (None: never)."""
    days = settings.API_TOKEN_MAX_AGE_DAYS
    return created + dt.timedelta(days=days) if days else None


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model = cast("type[Token]", self.get_model())  # DRF's Token unless overridden
        try:
            # the user's region comes along: every scoped query needs it (no second query)
            token = model.objects.select_related("user", "user__region").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("无效的令牌。")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("用户已停用。"))
        expires = token_expires_at(token.created)
        if expires is not None and expires <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("令牌已过期，请在“我的账号”页面或用 drf_create_token -r 重新生成。")
            )
        return token.user, token
