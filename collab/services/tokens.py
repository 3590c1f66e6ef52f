"""API tokens (django-rest-knox): issued for an email address and password, expiring after API_TOKEN_TTL_HOURS,
listed and revoked by their owner, and all revoked whenever the owner's password changes, by whatever route.

Only a digest of each token is stored. A token is named by its id (the first characters of that digest) and the
first characters of the token itself, so a person can tell their tokens apart; the audit trail records the same,
never the token.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from knox.models import AuthToken

from collab.audit import audit_record
from collab.client_address import client_address
from collab.errors import NotFound
from collab.models import User
from collab.selectors.tokens import api_tokens_of

__all__ = [
    "TOKEN_ID_LENGTH",
    "api_token_issue",
    "api_token_revoke",
    "api_tokens_revoke_all",
    "token_id",
    "token_prefix",
]

TOKEN_ID_LENGTH = 16
PREFIX_LENGTH = 8


def token_id(token: AuthToken) -> str:
    """How a token is named in the API, on the page and in the audit trail: the start of its digest."""
    return token.digest[:TOKEN_ID_LENGTH]


def token_prefix(token: AuthToken) -> str:
    """The first characters of the token itself, which its holder can compare with what they have."""
    return token.token_key[:PREFIX_LENGTH]


def _audit(*, actor: Any, action: str, user: User, token: AuthToken, request: Any = None, **extra: Any) -> None:
    """One audit event about one token, in the trail's field → [before, after] shape: a new token appears, a
    revoked one goes. Never its secret."""
    created = action.endswith("created")
    named = {"token": token_id(token), "begins": token_prefix(token)}
    changes: dict[str, list[Any]] = {name: [None, value] if created else [value, None] for name, value in named.items()}
    changes.update({name: [None, value] for name, value in extra.items()})
    if request is not None:
        changes["address"] = [None, client_address(request)]
    audit_record(actor=actor, action=action, target=user, changes=changes)


@transaction.atomic
def api_token_issue(*, user: User, request: Any = None) -> tuple[AuthToken, str]:
    """A new token for `user` (who has just proved who they are); returns it and its secret, shown once."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, secret = AuthToken.objects.create(user=user)
    expiry = token.expiry.isoformat() if token.expiry else None
    _audit(actor=user, action="api_token.created", user=user, token=token, request=request, expires=expiry)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: str, request: Any = None) -> None:
    """Revoke one of the actor's own tokens, named by its id. Another person's token is as unknown as a missing one."""
    found = (
        api_tokens_of(actor).filter(digest__startswith=token).first()
        if len(token) == TOKEN_ID_LENGTH and token.isalnum()
        else None
    )
    if found is None:
        raise NotFound("You have no API token with that id (it may have expired or been revoked already).")
    _audit(actor=actor, action="api_token.revoked", user=actor, token=found, request=request)
    found.delete()


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor: Any, reason: str, request: Any = None) -> int:
    """Revoke every token of `user`; returns how many there were. `reason` goes into the audit trail."""
    tokens = list(AuthToken.objects.select_for_update().filter(user=user))
    for token in tokens:
        _audit(actor=actor, action="api_token.revoked", user=user, token=token, request=request, reason=reason)
    AuthToken.objects.filter(digest__in=[token.digest for token in tokens]).delete()
    return len(tokens)


def _revoke_on_password_change(sender: type, instance: User, created: bool, **kwargs: Any) -> None:
    # Django keeps the new raw password on the user from set_password() until save() has stored it (and then tells
    # the password validators it changed): that is the one moment every route that changes a password goes through
    # (reset by email, the admin, `manage.py changepassword`, any service).
    if created or getattr(instance, "_password", None) is None:
        return
    api_tokens_revoke_all(user=instance, actor=instance, reason="password changed")


def connect() -> None:
    """Called once from the app's ready()."""
    post_save.connect(_revoke_on_password_change, sender=User, dispatch_uid="collab.api_tokens.password_changed")
