"""The permission matrix: every page and every API operation, called as each kind of person, with the status each
must get. Routes are discovered from the URL resolver and the OpenAPI schema, so a new route without a row fails the
suite instead of escaping it.

Each app keeps its rows in `cases_<app>.py` as a list named CASES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ACTORS = ("anonymous", "outsider", "observer", "member", "lead", "anchor", "facilitator", "programme_team")


def expect(anonymous, outsider, observer, member, anchor, facilitator, programme_team, *, lead=None) -> dict[str, int]:
    """Expected status codes, one per actor. `lead` is a member who leads the sub-group a row is about; where no
    sub-group is involved they are simply a member, and get what a member gets unless said otherwise."""
    statuses = (anonymous, outsider, observer, member, member if lead is None else lead, anchor, facilitator)
    return dict(zip(ACTORS, (*statuses, programme_team), strict=True))


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


@dataclass
class Case:
    """One route and method. `page` is a URL name; `api` is an OpenAPI path such as /api/v1/memberships/{id}/."""

    method: str
    expected: dict[str, int]
    page: str | None = None
    api: str | None = None
    # Builds what the call needs from the `world` fixture: URL kwargs (or {id} for API paths) and a body.
    kwargs: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    data: Callable[[Any], dict[str, Any]] | None = None
    note: str = ""
    # For a route that cannot be reversed (a catch-all pattern): the address to call instead.
    address: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method.upper(), self.page or self.api or "")

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.page or self.api}"


def _is_api_viewset(pattern: URLPattern) -> bool:
    from collab.api_base import ScopedViewSet

    cls = getattr(pattern.callback, "cls", None)
    return isinstance(cls, type) and issubclass(cls, ScopedViewSet) and bool(getattr(pattern.callback, "actions", None))


def page_routes() -> set[str]:
    """Every named route outside the admin site that is not an API viewset route (those come from the schema)."""
    names: set[str] = set()

    def walk(patterns: list, prefix: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                route = prefix + str(pattern.pattern)
                if route.startswith("admin/"):
                    continue
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                if _is_api_viewset(pattern):
                    continue
                names.add(pattern.name or prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    return names


def api_operations() -> set[tuple[str, str]]:
    """Every (METHOD, path) the published OpenAPI schema lists."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item if method in methods}
