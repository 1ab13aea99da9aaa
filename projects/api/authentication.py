"""API tokens that expire: DRF's token authentication, refusing a token older than
`API_TOKEN_MAX_AGE_DAYS` (0: never). A user gets a new token with `drf_create_token -r USER`
or on the page 我的账号 (the old one stops working at once).

With a cache every process shares (`core.cache.is_shared`: Redis in the Docker installation),
the token, its user (every field but the password, which stays deferred) and the user's region
are kept in the cache, so an authenticated request reads no table (issue #15, item 3). The
entries are stored under the generation `AUTH_GENERATION`, which moves on when the transaction
that changed any token, user or region commits (`changed`, connected in `ProjectsConfig.ready`;
`forget_users` for a change made with `QuerySet.update`): a deleted or replaced token, a
deactivated user, a new role or region, a region's new level take effect with the next
request. Whether the user is active and the token's age are checked on every request, from
the values read. With the per-process memory cache (the embedded default) every request reads
the token, its user and region in one query, as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core import cache

from ..models import Region, User

AUTH_GENERATION = "projects:api:auth:generation"
# The user's fields kept with a token: all but the password hash, which never leaves the
# database (a user built from them has it deferred: read on access, kept by a save).
USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname != "password")
REGION_FIELDS = tuple(f.attname for f in Region._meta.concrete_fields)
TOKEN_FIELDS = ("key", "user_id", "created")
# An entry not read for this long goes (the generation, not the timeout, keeps it correct).
ENTRY_SECONDS = 3600
cache.register(AUTH_GENERATION)  # read with the API answers' generation, one round trip
# and kept in the process too, under the same keys (the generation is read on every request)
_memo = cache.Memo(1000)


def token_expires_at(created: dt.datetime) -> dt.datetime | None:
    """When a token created at `created` stops working (None: never)."""
    days = settings.API_TOKEN_MAX_AGE_DAYS
    return created + dt.timedelta(days=days) if days else None


def _entry_key(generation: int, key: str) -> str:
    # the token itself is a secret: the cache holds its digest only
    return f"projects:api:token:{generation}:{hashlib.sha256(key.encode()).hexdigest()}"


def _read(model: type[Token], key: str) -> Token:
    """The token with its user and the user's region: one query; DoesNotExist."""
    return model.objects.select_related("user", "user__region").get(key=key)


def _entry(token: Token) -> tuple[Any, ...]:
    user = cast("User", token.user)
    region = user.region
    return (
        tuple(getattr(token, name) for name in TOKEN_FIELDS),
        tuple(getattr(user, name) for name in USER_FIELDS),
        tuple(getattr(region, name) for name in REGION_FIELDS) if region is not None else None,
    )


def _token_of(entry: tuple[Any, ...]) -> Token:
    """The token, user and region as `_read` gives them, built from an entry: no query."""
    token_values, user_values, region_values = entry
    token = Token.from_db(DEFAULT_DB_ALIAS, list(TOKEN_FIELDS), list(token_values))
    user = User.from_db(DEFAULT_DB_ALIAS, list(USER_FIELDS), list(user_values))
    if region_values is not None:
        user.region = Region.from_db(DEFAULT_DB_ALIAS, list(REGION_FIELDS), list(region_values))
    token.user = user
    return token


def cached_token(key: str) -> Token:
    """The token `key` from the shared cache, else from the database (then kept);
    DoesNotExist for an unknown key (never kept: the next request asks the database again)."""
    entry_key = _entry_key(cache.generation(AUTH_GENERATION), key)
    entry = _memo.get(entry_key)
    if entry is None:
        entry = django_cache.get(entry_key)
    if entry is None:
        token = _read(Token, key)
        entry = _entry(token)
        django_cache.set(entry_key, entry, ENTRY_SECONDS)
    _memo.set(entry_key, entry)
    return _token_of(entry)


def forget_users() -> None:
    """The kept tokens, users and regions are read again from the database (after the current
    transaction commits); for changes that send no signal, such as `QuerySet.update`."""
    cache.bump(AUTH_GENERATION)


def changed(sender: Any, **kwargs: Any) -> None:  # noqa: ARG001 - a signal receiver's signature
    """`post_save` / `post_delete` receiver of Token, User and Region. A sign-in's new
    `last_login` alone changes nothing kept."""
    fields = kwargs.get("update_fields")
    if fields is not None and set(fields) <= {"last_login"}:
        return
    forget_users()


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model = cast("type[Token]", self.get_model())  # DRF's Token unless overridden
        try:
            # the user's region comes along: every scoped query needs it (no second query)
            token = cached_token(key) if cache.is_shared() else _read(model, key)
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
