"""Django's own error pages wear the workspace's frame and speak plainly, even with no request to hand."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize(
    ("template", "heading"),
    [
        ("400.html", "There is a problem with that request"),
        ("403.html", "You cannot do this here"),
        ("403_csrf.html", "The form had expired"),
        ("404.html", "Page not found"),
        ("500.html", "Sorry, something went wrong"),
    ],
)
def test_error_templates_render_without_a_request(template, heading, db):
    html = render_to_string(template, {})
    assert f"<h1>{heading}</h1>" in html
    assert '<html lang="en-GB">' in html


def test_a_form_sent_without_its_security_token_explains_what_happened(world, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "member@example.org", "password": password})
    assert response.status_code == 403
    assert "The form had expired" in response.content.decode()


def test_an_unknown_address_gets_the_friendly_404(client, world):
    client.force_login(world.people["member"])
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
