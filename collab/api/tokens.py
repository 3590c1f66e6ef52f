"""Signing in to the API: a token for an email address and password (with the sign-in lock-out), and the person's
own tokens, listed and revoked. The rules are in collab/services/tokens.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from collab import services
from collab.api_base import ERROR_SCHEMA, ScopedViewSet, error_body
from collab.selectors import api_tokens_of
from collab.services.tokens import token_id, token_prefix

LOCKED_OUT = "Too many failed sign-in attempts. Try again in an hour, or reset your password."


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text='Send it as the header "Authorization: Token <token>". It is shown only this once.'
    )
    id = serializers.CharField(help_text="Names this token in the list of your tokens and to revoke it.")
    expiry = serializers.DateTimeField(help_text="When the token stops working; ask for a new one then.")


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Names the token (the start of its digest, not of the token).")
    begins = serializers.CharField(help_text="The token's first characters, to tell it apart from others.")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(help_text="When the token stops working.")
    current = serializers.BooleanField(help_text="Whether this request was made with this token.")


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many tokens were revoked.")


def describe(token: AuthToken, request: Request | None = None) -> dict[str, Any]:
    current = request is not None and isinstance(request.auth, AuthToken) and request.auth.digest == token.digest
    return {
        "id": token_id(token),
        "begins": token_prefix(token),
        "created": token.created,
        "expiry": token.expiry,
        "current": current,
    }


class TokenView(APIView):
    """Exchange an email address and password for an API token. Repeated failures lock the account out."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = CredentialsSerializer

    @extend_schema(
        summary="Get an API token",
        description=(
            f"Each call issues a new token. It expires {settings.API_TOKEN_TTL_HOURS} hours after it is issued "
            "(`expiry`; use does not extend it) and is revoked as soon as your password changes. List and revoke "
            "your tokens at `/api/v1/auth/tokens/`."
        ),
        request=CredentialsSerializer,
        responses={
            200: IssuedTokenSerializer,
            429: OpenApiResponse(ERROR_SCHEMA, description="Too many failed attempts: locked out for a while."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The DRF request (not the bare HttpRequest) goes to the lock-out check, so a lock-out is answered here in
        # the API's own format rather than as the sign-in page's lock-out screen.
        user = authenticate(
            request=request,
            username=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return Response(
                error_body(status_code=429, code="locked_out", message=LOCKED_OUT),
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            message = "That email address and password do not match an account."
            raise serializers.ValidationError({"non_field_errors": [message]})
        token, secret = services.api_token_issue(user=user, request=request)
        return Response(IssuedTokenSerializer({"token": secret, "id": token_id(token), "expiry": token.expiry}).data)


class ApiTokenViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Your own API tokens that still work. Revoking one stops it at once."""

    selector = staticmethod(api_tokens_of)
    serializer_class = ApiTokenSerializer
    filter_backends: list = []
    lookup_value_regex = "[^/]+"

    @extend_schema(summary="Your API tokens", responses=ApiTokenSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiTokenSerializer([describe(t, request) for t in page], many=True).data)

    @extend_schema(
        summary="Revoke one of your API tokens",
        parameters=[OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The token's id.")],
        request=None,
        responses={204: None},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.api_token_revoke(actor=request.user, token=pk, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Revoke all your API tokens (this one too)", request=None, responses=RevokedSerializer)
    @action(detail=False, methods=["post"], url_path="revoke-all")
    def revoke_all(self, request: Request) -> Response:
        count = services.api_tokens_revoke_all(
            user=request.user, actor=request.user, reason="revoked by owner", request=request
        )
        return Response(RevokedSerializer({"revoked": count}).data)


token_view = TokenView.as_view()


def register(router: BaseRouter) -> None:
    router.register("auth/tokens", ApiTokenViewSet, basename="api-tokens")
