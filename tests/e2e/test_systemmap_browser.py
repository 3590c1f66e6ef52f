"""The system map in real browsers (Debian's Chromium through Playwright) against a real ASGI server, as in the board
tests: a facilitator opens the map and the canvas draws its elements; dragging an element saves its position; a
member's browser sees an element the facilitator adds appear without reloading; the table view adds an element
with the keyboard alone; present mode steps through a presentation.

Screenshots land in the temporary directory (`systemmap-*.png`), at a laptop's width and a phone's.
"""

import os
import time

import pytest
from playwright.sync_api import expect

from systemmap import services
from systemmap.models import Element
from tests.e2e.test_board_browser import (  # noqa: F401  (fixtures)
    LAPTOP,
    SCREENSHOTS,
    Person,
    browser,
    elsewhere,
    people,
    server,
)
from tests.systemmap import builders as b


def wait_until(page, expression: str, timeout: float = 15) -> None:
    """Until `expression` is true in the page. Playwright's `wait_for_function` evaluates its predicate with `eval`,
    which the pages' Content-Security-Policy forbids (as it should); `evaluate` is not subject to it."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def build(make):
    """Build test data through the services in a thread of their own (see `elsewhere`)."""
    made = []
    elsewhere(lambda: made.append(make()))
    return made[0]


def map_address(base, map_, suffix=""):
    return f"{base}/c/{map_.collaborative.slug}/maps/{map_.pk}/{suffix}"


def open_map(person, map_):
    person.page.goto(map_address(person.base, map_))
    expect(person.page.locator("[data-sync]")).to_have_attribute("data-state", "live")
    return person.page


def node_count(page) -> int:
    return page.evaluate("window.systemMap.cy.nodes().length")


def test_a_facilitator_drags_and_adds_and_a_member_sees_it_live(browser, server, world, people):  # noqa: F811
    map_, (waiting, suspensions, help_, lonely), _ = build(lambda: b.small_map(world))
    build(lambda: b.quote(world, map_, element=waiting))
    facilitator = Person(browser, server, LAPTOP).sign_in(people["facilitator"])
    member = Person(browser, server, LAPTOP).sign_in(people["member"])
    try:
        page = open_map(facilitator, map_)
        watcher = open_map(member, map_)
        assert node_count(page) == 4 and page.evaluate("window.systemMap.cy.edges().length") == 3
        expect(page.locator("[data-canvas] canvas").first).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "systemmap-map-laptop.png", full_page=True)

        # Drag "Youth service" 150 px to the right and 80 px down: the position is saved for everyone.
        page.locator("[data-canvas]").scroll_into_view_if_needed()
        box = page.locator("[data-canvas]").bounding_box()
        start = page.evaluate(f"window.systemMap.cy.getElementById('e{lonely.pk}').renderedPosition()")
        x, y = box["x"] + start["x"], box["y"] + start["y"]
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(x + 15 * step, y + 8 * step)
        page.mouse.up()
        expect(page.locator("[data-announce]")).to_contain_text("Youth service” moved. Its position is saved.")
        moved = page.evaluate(f"window.systemMap.cy.getElementById('e{lonely.pk}').position()")
        wait_until(
            watcher,
            f"() => Math.abs(window.systemMap.cy.getElementById('e{lonely.pk}').position().x - {moved['x']}) < 1",
        )
        lonely.refresh_from_db()
        assert (round(lonely.x), round(lonely.y)) == (round(moved["x"]), round(moved["y"]))

        # Add an element in place: it appears in the member's browser without a reload, and is said aloud there.
        page.get_by_text("Add an element", exact=True).click()
        page.get_by_label("Label").fill("School nursing")
        page.locator("[data-new-type]").select_option("service")
        page.get_by_role("button", name="Add to the map").click()
        wait_until(watcher, "window.systemMap.cy.nodes().length === 5")
        expect(watcher.locator("[data-announce]")).to_contain_text("“School nursing” was added to the map.")
        assert Element.objects.filter(map=map_, label="School nursing").exists()
        assert "School nursing" in watcher.evaluate("window.systemMap.cy.nodes().map((n) => n.data('label'))")

        # Selecting an element shows its evidence; a member gets no controls to change it.
        watcher.evaluate(f"window.systemMap.tapNode(window.systemMap.cy.getElementById('e{waiting.pk}'))")
        expect(watcher.locator("[data-selection]")).to_contain_text("Evidence (1)")
        expect(watcher.locator("[data-selection]")).to_contain_text("We waited eleven months for CAMHS.")
        expect(watcher.get_by_text("Change this element")).to_have_count(0)

        # Removed elsewhere (through the API's service): gone from both canvases.
        elsewhere(lambda: services.element_delete(actor=people["anchor"], element=suspensions))
        wait_until(watcher, "window.systemMap.cy.nodes().length === 4")
        wait_until(page, "window.systemMap.cy.nodes().length === 4")
        assert page.evaluate("window.systemMap.cy.edges().length") == 1
    finally:
        facilitator.close()
        member.close()


def test_the_table_view_adds_an_element_with_the_keyboard_alone(browser, server, world, people):  # noqa: F811
    map_, _, _ = build(lambda: b.small_map(world))
    facilitator = Person(browser, server, LAPTOP).sign_in(people["facilitator"])
    try:
        page = facilitator.page
        page.goto(map_address(server, map_, "table/"))
        expect(page.locator("h1")).to_have_text("Table view")
        link = page.get_by_role("link", name="Add an element", exact=True)
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**#add-element-title")
        label = page.get_by_label("Label", exact=True)
        # From the heading the link leads to, Tab reaches each field in order.
        page.keyboard.press("Tab")
        expect(label).to_be_focused()
        page.keyboard.type("Pupil referral unit outreach")
        page.keyboard.press("Tab")
        expect(page.locator("#new-element-type")).to_be_focused()
        page.keyboard.type("Service")
        for _ in range(4):  # sector, description, tags, journey step
            page.keyboard.press("Tab")
        expect(page.locator("#new-element-journey_step")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Add the element")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(".notice")).to_contain_text("“Pupil referral unit outreach” has been added to the map.")
        added = Element.objects.get(map=map_, label="Pupil referral unit outreach")
        assert added.type == "service"
        expect(page.locator(f"#element-{added.pk}")).to_contain_text("Service")

        # A mistake is explained, and the summary takes focus and links to the field.
        page.get_by_role("link", name="Add an element", exact=True).focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**#add-element-title")
        page.keyboard.press("Tab")
        expect(label).to_be_focused()
        for _ in range(6):
            page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Add the element")).to_be_focused()
        page.keyboard.press("Enter")
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Give the element a label.")
        page.screenshot(path=SCREENSHOTS / "systemmap-table-error-laptop.png", full_page=False)

        # Someone else changes the map meanwhile: the table says so aloud and offers to reload.
        expect(page.locator("[data-sync]")).to_have_attribute("data-state", "live")
        anchor = people["anchor"]
        elsewhere(lambda: services.element_create(actor=anchor, map=map_, label="Virtual school", type="organisation"))
        expect(page.locator("[data-announce]")).to_contain_text("“Virtual school” was added to the map.")
        expect(page.get_by_role("link", name="Reload the tables to see the changes")).to_be_visible()
    finally:
        facilitator.close()


def test_present_mode_and_the_pages_on_a_phone(browser, server, world, people):  # noqa: F811
    map_, (a, b_, c, lonely), _ = build(lambda: b.small_map(world))
    facilitator = people["facilitator"]
    presentation = services.presentation_create(actor=facilitator, map=map_, title="First workshop")
    services.step_create(actor=facilitator, presentation=presentation, title="Where it starts", elements=[a.pk])
    services.step_create(
        actor=facilitator, presentation=presentation, title="The loop", elements=[a.pk, b_.pk, c.pk], caption="Round."
    )  # presentations are not live: nothing to broadcast, so these run here
    observer = Person(browser, server, LAPTOP).sign_in(people["observer"])
    phone = Person(browser, server, PHONE).sign_in(people["member"])
    try:
        page = observer.page
        page.goto(map_address(server, map_, f"presentations/{presentation.pk}/present/"))
        expect(page.locator("[data-step-title]")).to_have_text("Where it starts")
        visible = "Boolean(window.cytoscape && document.querySelector('[data-canvas]'))"
        wait_until(page, visible)
        page.keyboard.press("ArrowRight")
        expect(page.locator("[data-step-title]")).to_have_text("The loop")
        expect(page.locator("[data-step-count]")).to_have_text("Step 2 of 2")
        expect(page.locator("[data-announce]")).to_contain_text("Step 2 of 2: The loop. Round.")
        page.get_by_role("button", name="Full screen").click()
        expect(page.locator("[data-present-app]")).to_have_class("smap-present is-fullscreen")
        wait_until(page, "document.querySelector('[data-canvas] canvas').clientWidth >= window.innerWidth - 2")
        page.wait_for_timeout(300)  # the step is framed again once the canvas has its new size (not asserted)
        page.screenshot(path=SCREENSHOTS / "systemmap-present-fullscreen.png")
        page.keyboard.press("Escape")
        expect(page.locator("[data-present-app]")).to_have_class("smap-present")
        page.keyboard.press("Home")
        expect(page.locator("[data-step-title]")).to_have_text("Where it starts")

        for name, suffix in (("map", ""), ("table", "table/"), ("presentations", "presentations/")):
            phone.page.goto(map_address(server, map_, suffix))
            phone.page.wait_for_load_state("networkidle")
            assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
            phone.page.screenshot(path=SCREENSHOTS / f"systemmap-{name}-phone.png", full_page=True)
    finally:
        observer.close()
        phone.close()
