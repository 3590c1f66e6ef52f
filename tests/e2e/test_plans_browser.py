"""The anchor's dashboard and the programme view in a real browser (Debian's Chromium through Playwright) against the
live test server: they fit a phone without sideways scrolling of the page (wide tables scroll in their own region),
and a plan item is added with the keyboard alone. Screenshots land in the temporary directory (`plans-*.png`).
"""

import os

import pytest
from playwright.sync_api import expect

from actionplans.models import PlanItem
from tests.e2e.test_pages_browser import PHONE, SCREENSHOTS, browser, sign_in_with_keyboard  # noqa: F401
from tests.plans import builders as p
from tests.subgroups import builders as sb

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_dashboard_and_programme_view_fit_a_phone(phone, live_server, world):
    subgroup = sb.subgroup(world, name="Transitions pilot")
    sb.update(world, subgroup)
    strategy = p.strategy(world, objectives=("Smooth transitions between phases", "Families are partners"))
    item = p.item(world, title="Primary to secondary transitions pilot", subgroup=subgroup, partners=["health"])
    p.align(world, item, strategy.objectives.first(), note="Flags Year 6 pupils at risk before they move.")
    p.item(world, title="Families' voice in every project")
    sign_in_with_keyboard(phone, live_server.url, "anchor@example.org")
    for name, url in (("dashboard", "/c/ashford/dashboard/"), ("programme", "/programmes/demo/localities/")):
        phone.goto(f"{live_server.url}{url}")
        expect(phone.locator("h1")).to_have_count(1)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
        phone.screenshot(path=SCREENSHOTS / f"plans-phone-{name}.png", full_page=True)
    phone.goto(f"{live_server.url}/c/ashford/dashboard/")
    expect(phone.get_by_text("Gap: no item serves it")).to_have_count(1)
    phone.get_by_role("link", name="1 items: no sub-group owns it").click()
    expect(phone.locator("h1")).to_contain_text("risk: No sub-group owns it")
    expect(phone.get_by_role("heading", name="Families' voice in every project")).to_be_visible()


def test_an_item_is_added_with_the_keyboard(phone, live_server, world):
    sign_in_with_keyboard(phone, live_server.url, "anchor@example.org")
    phone.goto(f"{live_server.url}/c/ashford/plan/items/new/")
    phone.locator("#id_title").focus()
    phone.keyboard.type("Headteachers' inclusion network")
    phone.keyboard.press("Tab")
    phone.keyboard.type("Exclusions are discussed too late.")
    phone.locator("#id_theme").select_option("peer_networks")
    phone.locator("#id_ends_on").fill("2026-01-01")
    phone.locator("#id_starts_on").fill("2026-06-01")
    phone.get_by_role("button", name="Save").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator(".error-summary, [role=alert]").first).to_be_visible()
    expect(phone.get_by_text("The end date must be on or after the start date.").first).to_be_visible()
    phone.locator("#id_ends_on").fill("2027-07-31")
    phone.get_by_role("button", name="Save").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("Headteachers' inclusion network")
    assert PlanItem.objects.get().theme == "peer_networks"
