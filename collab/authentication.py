"""How the API knows who is calling: a django-rest-knox token (then the pages' session)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token check, except that it does not read every other token of the caller on each request to delete
    the expired ones (one more query per API call). An expired token is still refused and deleted when used; the
    others are left out of every list and deleted when their owner is next issued a token
    (collab/services/tokens.py)."""

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """How the published schema describes it: `Authorization: Token <token>`, under the name it always had."""

    target_class = "collab.authentication.TokenAuthentication"
    name = "tokenAuth"
