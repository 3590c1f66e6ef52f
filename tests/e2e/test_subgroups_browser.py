"""The progress update on a phone, in a real browser (Debian's Chromium through Playwright) against the live test
server: one column, no sideways scrolling, the draft kept on the server while the lead types, a mistake explained
in the error summary, and the update landing on the timeline. Screenshots land in the temporary directory
(`subgroups-*.png`).
"""

import os

import pytest
from playwright.sync_api import expect

from subgroups.models import ProgressUpdate, UpdateDraft
from tests.e2e.test_pages_browser import PHONE, SCREENSHOTS, browser, sign_in_with_keyboard  # noqa: F401
from tests.subgroups import builders as b

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_a_lead_posts_an_update_from_a_phone(phone, live_server, world):
    subgroup = b.subgroup(world, name="Transitions pilot")
    b.update(world, subgroup, next_steps="Plan the transition days.")
    sign_in_with_keyboard(phone, live_server.url, "lead@example.org")
    phone.goto(f"{live_server.url}/c/ashford/subgroups/")
    phone.get_by_role("link", name="Post an update for Transitions pilot").click()
    expect(phone.locator("h1")).to_have_text("Post an update")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Prefilled from last time: what was planned is what to report as done.
    expect(phone.get_by_label("What was done?")).to_have_value("Plan the transition days.")
    # Big targets, one column: the post button spans the screen.
    width = phone.get_by_role("button", name="Post update").bounding_box()["width"]
    assert width > PHONE["width"] * 0.8

    # Typing keeps a draft on the server, without pressing anything.
    phone.get_by_label("What is next?").fill("Book the hall for the summer sessions.")
    expect(phone.locator("[data-autosave-status]")).to_contain_text("Draft saved at", timeout=15_000)
    assert UpdateDraft.objects.get().data["next_steps"] == "Book the hall for the summer sessions."
    phone.reload()
    expect(phone.get_by_label("What is next?")).to_have_value("Book the hall for the summer sessions.")

    # A change of direction without its reason: the summary takes focus and links to the field.
    phone.get_by_label("Changed direction").check()
    phone.get_by_role("button", name="Post update").click()
    summary = phone.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Say why the direction changed")
    phone.screenshot(path=SCREENSHOTS / "subgroups-phone-update-error.png", full_page=True)
    summary.get_by_role("link", name="Say why the direction changed").click()
    expect(phone.get_by_label("Why did the direction change?")).to_be_focused()
    assert ProgressUpdate.objects.count() == 1

    phone.keyboard.type("Schools asked us to fold the checklist into their Year 6 reviews.")
    phone.get_by_role("button", name="Post update").click()
    expect(phone.get_by_role("status").first).to_contain_text("Your update is posted.")
    expect(phone.locator("h1")).to_have_text("Transitions pilot")
    expect(phone.get_by_text("Schools asked us to fold the checklist")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=SCREENSHOTS / "subgroups-phone-detail.png", full_page=True)
    assert ProgressUpdate.objects.count() == 2
    assert not UpdateDraft.objects.exists()


@pytest.mark.parametrize("path", ["/c/ashford/subgroups/", "/concerns/"])
def test_sub_group_pages_fit_a_phone(phone, live_server, world, path):
    subgroup = b.subgroup(world)
    b.update(world, subgroup, blockers="Waiting for the data-sharing agreement to be signed by the trust.")
    sign_in_with_keyboard(phone, live_server.url, "facilitator@example.org")
    for url in (path, f"/c/ashford/subgroups/{subgroup.pk}/"):
        phone.goto(f"{live_server.url}{url}")
        expect(phone.locator("h1")).to_have_count(1)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
