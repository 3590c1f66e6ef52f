"""Headers on every answer: a Content-Security-Policy without inline scripts or styles (the websockets of the same
host allowed), a Permissions-Policy switching off what the workspace never uses, no-store for anyone signed in (static
files stay cacheable), and the API schema and docs for signed-in people only."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.urls import reverse
from rest_framework.test import APIClient

from collab.guests import GUEST_COOKIE
from tests.factories import api_token_for

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_allow_scripts_and_styles_from_this_site_only(client, world):
    for response in (client.get(reverse("login")), _signed_in(client, world).get(reverse("home"))):
        directives = policy(response)
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'none'"] and directives["form-action"] == ["'self'"]
        # The live boards and maps open a websocket to the same host.
        assert directives["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]


def test_the_websocket_sources_follow_the_host_the_page_was_asked_for(client, world, settings):
    settings.ALLOWED_HOSTS = ["collab.example.org", "testserver"]
    response = client.get(reverse("login"), HTTP_HOST="collab.example.org")
    assert policy(response)["connect-src"] == ["'self'", "ws://collab.example.org", "wss://collab.example.org"]
    refused = client.get(reverse("login"), HTTP_HOST="elsewhere.example")
    assert refused.status_code == 400 and "elsewhere" not in refused.get("Content-Security-Policy", "")


def _page_templates() -> list[Path]:
    """Every page template of the project (emails excepted: mail programs ignore the policy, and need inline
    styles)."""
    roots = [Path(settings.BASE_DIR, app, "templates") for app in ("frontend", "collab", "subgroups")]
    roots += [Path(settings.BASE_DIR, app, "templates") for app in ("systemmap", "actionplans")]
    return [path for root in roots if root.exists() for path in root.rglob("*.html") if "email" not in path.parts]


def test_no_page_has_an_inline_script_handler_or_style():
    templates = _page_templates()
    assert len(templates) > 20
    for path in templates:
        source = path.read_text()
        for script in re.findall(r"<script\b[^>]*>", source):
            assert "src=" in script, f"{path}: inline script {script}"
        assert not re.search(r"\son[a-z]+\s*=", source), f"{path}: inline event handler"
        assert not re.search(r"\sstyle\s*=", source), f"{path}: style attribute"
        assert "<style" not in source, f"{path}: <style> block"
        assert "javascript:" not in source, f"{path}: javascript: link"


def test_json_for_the_scripts_is_a_data_block_which_the_policy_does_not_run():
    rendered = engines["django"].from_string('{{ data|json_script:"board-state" }}').render({"data": {"a": "<b>"}})
    assert rendered.startswith('<script id="board-state" type="application/json">')


def test_permissions_policy_switches_off_what_the_workspace_never_uses(client, world):
    token = api_token_for(world.people["member"])
    for response in (
        client.get(reverse("login")),
        client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}"),
    ):
        features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture", "serial"):
            assert features[feature] == "()", feature
        assert features["fullscreen"] == "(self)"  # a system map is presented full screen


def _signed_in(client, world, who="member"):
    client.force_login(world.people[who])
    return client


def test_nothing_a_signed_in_person_sees_is_kept_by_the_browser_or_a_proxy(client, world):
    token = api_token_for(world.people["member"])
    api = APIClient()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")["Cache-Control"] == "no-store"
    signed_in = _signed_in(client, world)
    for url in (reverse("home"), reverse("collaborative-overview", args=["ashford"]), "/api/v1/me/"):
        response = signed_in.get(url)
        assert response.status_code == 200 and response["Cache-Control"] == "no-store", url


def test_a_board_guest_gets_no_store_too(client, world):
    client.cookies[GUEST_COOKIE] = "anything"
    assert client.get(reverse("guest-join"))["Cache-Control"] == "no-store"


def test_anonymous_pages_and_static_files_stay_cacheable(client, world):
    assert "no-store" not in client.get(reverse("guest-join")).get("Cache-Control", "")
    signed_in = _signed_in(client, world)
    static = signed_in.get(settings.STATIC_URL + "frontend/site.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
    assert "Content-Security-Policy" not in static


def test_the_api_schema_and_docs_are_for_signed_in_people(client, world):
    anonymous = client.get("/api/schema/")
    assert anonymous.status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    assert client.get("/api/docs/?script=").status_code == 302
    token = api_token_for(world.people["observer"])
    assert client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_the_api_docs_run_no_inline_script(client, world):
    signed_in = _signed_in(client, world)
    response = signed_in.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script, script
    (start,) = re.findall(r'<script src="(/api/docs/\?script=[^"]*)"', html)
    script = signed_in.get(start.replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle(" in script.content.decode()
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    # Swagger UI's own page: a <style> block and icons drawn from data: URLs, on this page only.
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["img-src"] == ["'self'", "data:"]


def test_the_system_map_stylesheet_stands_in_for_the_style_cytoscape_would_inject():
    """Cytoscape adds a <style> element (refused by the policy) unless an element with this id is on the page."""
    marker = "__________cytoscape_stylesheet"
    assert marker in Path(settings.BASE_DIR, "frontend/static/vendor/cytoscape/cytoscape.min.js").read_text()
    for name in ("map", "present"):
        assert (
            f'id="{marker}"'
            in Path(settings.BASE_DIR, f"frontend/templates/frontend/systemmap/{name}.html").read_text()
        )
    css = Path(settings.BASE_DIR, "frontend/static/frontend/systemmap.css").read_text()
    assert re.search(r"\.__________cytoscape_container \{\s*position: relative;", css)
