"""The pages in a real browser (Debian's Chromium through Playwright) against the live test server: signing in with
the keyboard alone, the skip link, inviting someone, and a phone-sized screen without sideways scrolling.

Screenshots land in the temporary directory (`collab-pages-*.png`) so a person can look at them.
"""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from collab.models import Invitation
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's database calls from fixtures are still safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(tempfile.gettempdir())
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def tab_to(page, predicate: str, limit: int = 25) -> None:
    """Press Tab until the focused element satisfies the JavaScript `predicate` (given `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return Boolean({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def sign_in_with_keyboard(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    tab_to(page, "el.id === 'id_username'")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your collaboratives")


def test_sign_in_and_reach_the_overview_with_the_keyboard_alone(page, live_server, world):
    sign_in_with_keyboard(page, live_server.url, "facilitator@example.org")
    page.screenshot(path=SCREENSHOTS / "collab-pages-home.png", full_page=True)

    # The first Tab lands on the skip link; Enter moves focus into the main content.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    # From there the next Tab is the first collaborative.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Ashford Collaborative")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Ashford Collaborative")
    expect(page).to_have_title("Ashford Collaborative – Collaborative workspace")
    expect(page.get_by_text("Facilitator Ashford Facilitator")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "collab-pages-overview.png", full_page=True)


def test_focus_is_visible_on_links_and_fields(page, live_server, world):
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "el.id === 'id_username'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    tab_to(page, "el.textContent.trim() === 'Forgotten your password?'")
    background = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert background == "rgb(255, 221, 0)"  # the yellow focus highlight


def test_invite_someone_from_member_management(page, live_server, world, mailoutbox):
    sign_in_with_keyboard(page, live_server.url, "facilitator@example.org")
    page.goto(f"{live_server.url}/c/ashford/members/")

    # A mistake first: the error summary takes focus and links to the field.
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Send invitation").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter an email address in the right format")
    page.screenshot(path=SCREENSHOTS / "collab-pages-invite-error.png", full_page=True)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Email address")).to_be_focused()
    assert not Invitation.objects.exists()

    page.get_by_label("Email address").fill("dana.okafor@example.org")
    page.get_by_label("Observer").check()
    page.get_by_label("Organisation").select_option(label="Ashford Primary")
    page.get_by_label("Job title").fill("SENCo")
    page.get_by_label("Message").fill("We would value your view on transitions.")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("status")).to_contain_text("Invitation sent to dana.okafor@example.org.")
    expect(page.get_by_role("heading", name="Invitations waiting for a reply (1)")).to_be_visible()
    expect(page.get_by_role("row", name="dana.okafor@example.org")).to_contain_text("Observer")
    page.screenshot(path=SCREENSHOTS / "collab-pages-members.png", full_page=True)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.job_title) == ("dana.okafor@example.org", "observer", "SENCo")
    assert [m.to for m in mailoutbox] == [["dana.okafor@example.org"]]


@pytest.mark.parametrize("path", ["/", "/c/ashford/", "/c/ashford/members/", "/c/ashford/audit/", "/account/"])
def test_pages_fit_a_phone_without_sideways_scrolling(browser, live_server, world, path):
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in_with_keyboard(page, live_server.url, "facilitator@example.org")
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_have_count(1)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"{path} is {scroll_width}px wide"
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=SCREENSHOTS / f"collab-pages-phone-{name}.png", full_page=True)
    finally:
        context.close()


def test_sign_in_page_fits_a_phone(browser, live_server, db):
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=SCREENSHOTS / "collab-pages-phone-sign-in.png", full_page=True)
    finally:
        context.close()
