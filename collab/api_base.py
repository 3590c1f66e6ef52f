"""What every API view shares: scoping that cannot be forgotten, one error format, pagination.

Every viewset of every app derives from `ScopedViewSet` and names a selector that returns the rows the person may
see. It cannot set its own queryset, permission or authentication classes: a subclass that tries fails at import,
so no endpoint quietly escapes the access policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.viewsets import GenericViewSet

from collab.errors import DomainError


class ScopedViewSet(GenericViewSet):
    """Base of every API viewset. Set `selector` to a function of the user that returns a scoped queryset."""

    selector: Callable[[Any], QuerySet]
    permission_classes = [IsAuthenticated]
    _sealed = ("queryset", "get_queryset", "permission_classes", "authentication_classes")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = [name for name in cls._sealed if name in cls.__dict__]
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(overridden)}: scoping and permissions belong to ScopedViewSet. "
                "Set `selector` to a scoped selector instead."
            )

    def get_queryset(self) -> QuerySet:
        if not hasattr(type(self), "selector"):
            raise TypeError(f"{type(self).__name__} must set `selector`.")
        return type(self).selector(self.request.user)


class ReadSerializer(serializers.ModelSerializer):
    """Base of every model's output shape (all its fields read-only).

    DRF drops `allow_blank` from read-only fields, so a choice the model may leave empty (an element's sector, a
    sub-group member's mandate) would be published as always one of its choices and an empty one would break the
    schema's promise. Here read-only fields keep it: the schema then lists "" among the values."""

    def include_extra_kwargs(self, kwargs: dict[str, Any], extra_kwargs: dict[str, Any]) -> dict[str, Any]:
        allow_blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs


class InputSerializer(serializers.Serializer):
    """An input shape with rules across its fields (one of two answers is needed, say).

    `field_rules(data)` returns field → messages for those rules. It is checked even when single fields are wrong,
    so one 400 names every field to correct, not one after another. `schema_rules` (JSON Schema keywords such as
    `oneOf`) says the same in the published schema, so a client can know the rule before sending."""

    schema_rules: dict[str, Any] = {}

    def field_rules(self, data: Any) -> dict[str, list[str]]:
        return {}

    def to_internal_value(self, data: Any) -> Any:
        try:
            value = super().to_internal_value(data)
        except exceptions.ValidationError as error:
            errors = dict(error.detail) if isinstance(error.detail, dict) else {}
            for name, messages in self.field_rules(data).items():
                errors.setdefault(name, messages)
            raise exceptions.ValidationError(errors) from None
        errors = self.field_rules(value)
        if errors:
            raise exceptions.ValidationError(errors)
        return value


class _InputSerializerSchema(OpenApiSerializerExtension):
    target_class = InputSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> dict:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, **self.target.schema_rules} if direction == "request" else schema


# --- One error format --------------------------------------------------------------------------------------------


def error_body(*, status_code: int, code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    """DRF's nested ErrorDetail structures as plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(
            error_body(status_code=exc.status, code=exc.code, message=exc.message, fields=exc.fields),
            status=exc.status,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):  # a body too large or with too many fields, met while parsing it
        exc = exceptions.ParseError("The request could not be read: it is too large or has too many fields.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            fields = {k: v for k, v in detail.items() if k != "non_field_errors"}
            general = detail.get("non_field_errors") or []
        else:
            fields, general = {}, detail if isinstance(detail, list) else [detail]
        message = " ".join(general) if general else "Please correct the highlighted fields."
        response.data = error_body(status_code=400, code="invalid", message=message, fields=fields)
        return response
    code = getattr(exc, "default_code", "error")
    detail = getattr(exc, "detail", str(exc))
    message = " ".join(_flatten(detail)) if isinstance(detail, list) else str(detail)
    response.data = error_body(status_code=response.status_code, code=str(code), message=message)
    return response


# --- The error format in the OpenAPI schema ----------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Field name → list of messages, for errors about particular fields.",
                },
            },
        }
    },
}

_ERROR_DESCRIPTIONS = {
    "400": "The request was not valid; `fields` says what to correct.",
    "401": "Not signed in.",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found, or not yours to see.",
    "405": "Method not allowed.",
    "409": "Clashes with the current state.",
}


def add_error_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular hook: document the shared error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "401", "403", "404", "405"]
            if method in ("post", "put", "patch", "delete"):
                codes.append("409")
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": _ERROR_DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}
                )
    return result


def created(data: Any) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)
