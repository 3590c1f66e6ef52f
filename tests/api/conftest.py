"""Helpers for API tests: a client signed in with a real API token, the shared error format, and a snapshot of the
core's tables to prove a refused request changed nothing."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from collab.models import AuditEvent, Collaborative, Invitation, Membership, Organisation, Programme
from tests.factories import api_client_for, api_token_for

API = "/api/v1"


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def api(world) -> Callable[[str], APIClient]:
    """`api("member")`: a client that sends that person's token, as a script would."""

    def client_for(who: str) -> APIClient:
        return api_client_for(world.people[who])

    return client_for


def assert_error(response, status: int, *, field: str | None = None, code: str | None = None) -> dict:
    """The response is the shared error body with this status; `field`, if given, carries a message."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status
    assert error["message"].strip()
    if code is not None:
        assert error["code"] == code
    if field is not None:
        assert field in error["fields"], error
        messages = error["fields"][field]
        assert messages and all(isinstance(m, str) and m.strip() for m in messages), messages
    return error


def db_state() -> dict:
    """Every row of the core's tables, to compare before and after a request that must change nothing."""
    models = (Programme, Collaborative, Organisation, Membership, Invitation, AuditEvent)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def unchanged(world):
    """Use as `with unchanged(): ...` around a request that must leave the database as it was."""
    from contextlib import contextmanager

    @contextmanager
    def check():
        before = db_state()
        yield
        assert db_state() == before

    return check


@pytest.fixture
def answered_as_published(world):
    """`answered_as_published("member", "GET", "/api/v1/map-elements/{id}/", id=…)`: calls the operation in-process
    with that person's token and checks that the answer is what the published schema promises (status, content type,
    body). Returns the response."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    # In-process, inside the test's transaction: requests must not close the database connection when they end (as
    # Django's own test client arranges).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    reader = {"Authorization": f"Token {api_token_for(world.people['observer'])}"}  # the schema is for people signed in
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), headers=reader)

    def call(who: str, method: str, path: str, *, body: dict | None = None, **path_parameters):
        token = api_token_for(world.people[who])
        operation = schema[path][method]
        case = operation.Case(path_parameters=path_parameters, body=body, media_type="application/json")
        response = case.call(headers={"Authorization": f"Token {token}"})
        case.validate_response(
            response, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
        )
        return response

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
