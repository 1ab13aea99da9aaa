"""Fixtures of the API tests: clients signed in as the conftest officials, tokens, and a project
with everything a list row shows (categories, a chain, a plan, a computed status)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.choices import Role
from tests.factories import UserFactory


@pytest.fixture
def client_for(db):
    """A session-authenticated API client for a user (what a browser sends)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def token_client_for(db):
    """An API client authenticating with `Authorization: Token …` (what a script sends)."""

    def make(user) -> APIClient:
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def leader_user(regions):
    return UserFactory(username="leader", role=Role.LEADER, region=regions["district"])
