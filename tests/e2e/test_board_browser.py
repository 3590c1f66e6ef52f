"""A live workshop board in real browsers (Debian's Chromium through Playwright) against a real ASGI server.

pytest-django's live server speaks WSGI only, so these tests start uvicorn on a free port, pointed at the test
database (data is committed: transactional tests) and the Redis here. Each person has a browser context of their own,
as they would have a laptop or a phone of their own: a facilitator and two participants run a short workshop
(private writing, reveal, groups, votes, timer, a group promoted to a priority); a participant's network drops and
comes back with nothing lost; someone takes part with the keyboard alone; a guest joins with a code.

Screenshots land in the temporary directory (`collab-board-*.png`) so a person can look at them.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from collab.models import BoardTemplate, Card, Guest, Vote, Workshop
from collab.promotion import target_named
from collab.services import boards as board_services
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's database calls from the test are still safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
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
START_DEADLINE = 60  # seconds for uvicorn to answer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings) -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def server(transactional_db, settings, tmp_path):
    """uvicorn serving config.asgi:application on the test database; yields its base URL."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url(settings),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if process.poll() is not None:
                pytest.fail(f"uvicorn exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not answer within {START_DEADLINE} s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def people(world):
    return world.people


def with_server_password(user) -> None:
    """The suite hashes passwords fast (MD5); the server checks them as production does, so store a PBKDF2 hash."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])


@pytest.fixture
def live_board(world):
    start = timezone.now() - timedelta(minutes=20)
    workshop = Workshop.objects.create(
        programme=world.programme,
        collaborative=world.ours,
        title="Exploring the system map",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        created_by=world.people["facilitator"],
    )
    return board_services.board_create(
        actor=world.people["facilitator"],
        workshop=workshop,
        title="What gets in the way of inclusion?",
        template=BoardTemplate.EXPLORE_MAP,
        prompt="What gets in the way of keeping every child in school?",
    )


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Person:
    """One person at the workshop: their own browser context (cookies, network) and page."""

    def __init__(self, browser, base: str, viewport: dict):
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="Europe/London")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def sign_in(self, user) -> "Person":
        with_server_password(user)
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.get_by_label("Email address").fill(user.email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.locator("h1")).to_have_text("Your collaboratives")
        return self

    def open_board(self, board) -> "Person":
        self.page.goto(f"{self.base}/boards/{board.pk}/")
        expect(self.page.locator("[data-sync]")).to_have_attribute("data-state", "live")
        return self

    def write(self, text: str, *, area: str | None = None, colour: str | None = None) -> None:
        page = self.page
        if area:
            page.get_by_label("Area", exact=True).select_option(label=area)
        if colour:
            page.get_by_label(colour, exact=True).check()
        page.get_by_label("Your card").fill(text)
        page.get_by_role("button", name="Post card").click()

    def card(self, text: str):
        return self.page.locator("[data-card]", has_text=text)

    def card_options(self, text: str):
        card = self.card(text)
        card.locator("summary", has_text="Options").click()
        return card

    def close(self) -> None:
        assert self.errors == [], f"script errors in the page: {self.errors}"
        self.context.close()


def test_a_short_workshop_from_private_writing_to_a_priority(browser, server, people, live_board):
    facilitator = Person(browser, server, LAPTOP).sign_in(people["facilitator"]).open_board(live_board)
    ana = Person(browser, server, PHONE).sign_in(people["member"]).open_board(live_board)
    ben = Person(browser, server, LAPTOP).sign_in(people["lead"]).open_board(live_board)
    everyone = (facilitator, ana, ben)
    for person in everyone:
        expect(person.page.locator("[data-presence-count]")).to_have_text("3")

    # Writing is private: the server withholds others' cards, so they are not in the page at all.
    ana.page.get_by_label("Your card").fill("Referrals to CAMHS take months")
    expect(ben.page.locator(".presence__person", has_text="Ashford Member")).to_contain_text("writing…")
    ana.page.get_by_role("button", name="Post card").click()
    ben.write("Transitions from Year 6 lose information", colour="Green")
    ben.write("Not enough alternative provision places", area="Where are the pressures?", colour="Pink")
    expect(ana.card("Referrals to CAMHS take months")).to_contain_text("Only you and the facilitator see this")
    expect(ben.page.locator("[data-zone] .zone__hidden").first).to_have_text(
        "1 hidden card from others, until the facilitator reveals them."
    )
    expect(facilitator.card("Referrals to CAMHS take months")).to_be_visible()
    assert "Referrals to CAMHS" not in ben.page.content()
    assert "Transitions from Year 6" not in ana.page.content()

    facilitator.page.get_by_role("button", name="Reveal everyone's cards").click()
    expect(ben.card("Referrals to CAMHS take months")).to_contain_text("Ashford Member")
    expect(ana.card("Transitions from Year 6 lose information")).to_contain_text("Ashford Lead")
    expect(ben.page.locator(".zone__hidden:visible")).to_have_count(0)

    # Grouping: Ana starts a group with her card; Ben moves his card into it.
    facilitator.page.get_by_role("button", name="Group", exact=True).click()
    for person in everyone:
        expect(person.page.locator("[data-phases] [aria-current=step]")).to_have_text("Group")
    card = ana.card_options("Referrals to CAMHS take months")
    card.get_by_label("Start a group with this card").fill("Getting help in time")
    card.get_by_role("button", name="Create", exact=True).click()
    expect(ben.page.locator(".group__title")).to_have_text("Getting help in time")
    card = ben.card_options("Transitions from Year 6 lose information")
    card.get_by_label("Move to").select_option(label="Group: Getting help in time")
    card.get_by_role("button", name="Move", exact=True).click()
    group = facilitator.page.locator("[data-group]", has_text="Getting help in time")
    expect(group.locator("[data-card]")).to_have_count(2)
    # Dragging works too, for those with a mouse.
    missing = facilitator.page.get_by_role("region", name="What is missing?")
    ben.card("Not enough alternative provision places").drag_to(ben.page.get_by_role("region", name="What is missing?"))
    expect(missing.locator("[data-card]")).to_have_text(re.compile("Not enough alternative provision places"))

    # Voting: a budget of 5 each, spent with the + buttons.
    facilitator.page.get_by_role("button", name="Vote", exact=True).click()
    expect(ana.page.locator("[data-votes-left]")).to_have_text("You have 5 of 5 votes left.")
    ana.page.get_by_role("button", name="Vote for: Transitions from Year 6 lose information").click()
    ana.page.get_by_role("button", name="Vote for: Transitions from Year 6 lose information").click()
    ben.page.get_by_role("button", name="Vote for: Referrals to CAMHS take months").click()
    expect(ana.page.locator("[data-votes-left]")).to_have_text("You have 3 of 5 votes left.")
    expect(ben.page.locator("[data-votes-left]")).to_have_text("You have 4 of 5 votes left.")
    expect(facilitator.card("Transitions from Year 6")).to_contain_text("2 votes so far")

    # The timer runs on the server's clock; everyone sees it.
    facilitator.page.get_by_label("Minutes").fill("2")
    facilitator.page.get_by_role("button", name="Start").click()
    for person in everyone:
        expect(person.page.locator("[data-timer-value]")).to_have_text(re.compile(r"^[12]:\d\d$"))
    facilitator.page.get_by_role("button", name="Pause").click()
    expect(ana.page.locator("[data-timer-label]")).to_have_text("Timer paused")

    # Discussing: voting closes and everyone sees the totals.
    facilitator.page.get_by_role("button", name="Discuss", exact=True).click()
    expect(ben.page.locator("[data-group]").locator(".badge--votes").first).to_have_text("3 votes")
    expect(ana.card("Referrals to CAMHS take months").locator(".badge--votes")).to_have_text("1 vote")
    assert Vote.objects.filter(board=live_board).count() == 3

    # Spotlight the group for everyone, then take it forward as a priority.
    group.get_by_text("Options for the group").click()
    group.get_by_role("button", name="Spotlight for everyone").click()
    expect(ana.page.locator("[data-spotlight-notice]")).to_contain_text(
        "The facilitator is pointing at the group “Getting help in time”"
    )
    expect(ana.page.locator("[data-group].is-spotlit")).to_be_focused()
    assert target_named("priority") is not None, "the action plans register the “priority” target"
    group.get_by_text("Options for the group").click()
    group.get_by_label("Take this group forward as").select_option(label="Priority")
    group.get_by_role("button", name="Promote").click()
    for person in everyone:
        expect(person.page.locator("[data-group] .promotion")).to_have_text(
            "↗ Taken forward as Priority: Getting help in time"
        )
    from actionplans.models import Priority

    priority = Priority.objects.get()
    assert priority.title == "Getting help in time"
    assert priority.source_board_id == live_board.pk and priority.source_group is not None

    facilitator.page.screenshot(path=SCREENSHOTS / "collab-board-facilitator.png", full_page=True)
    ana.page.screenshot(path=SCREENSHOTS / "collab-board-participant-phone.png", full_page=True)
    assert ana.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"

    # Ana's network drops. She keeps writing; Ben writes too. When she is back, nothing is lost either way.
    ana.context.set_offline(True)
    expect(ana.page.locator("[data-sync-text]")).to_have_text(re.compile("^Reconnecting…"))
    ana.write("Parents are not told why a child is sent home")
    expect(ana.page.locator(".card--pending")).to_contain_text("Not sent yet")
    expect(ana.page.locator("[data-sync-text]")).to_contain_text("1 change waiting to be sent")
    ben.write("Schools share exclusion data only once a term")
    expect(facilitator.card("Schools share exclusion data")).to_be_visible()
    ana.page.screenshot(path=SCREENSHOTS / "collab-board-participant-offline.png", full_page=True)
    ana.context.set_offline(False)
    expect(ana.page.locator("[data-sync-text]")).to_have_text("Back in sync", timeout=20_000)
    expect(ana.card("Schools share exclusion data only once a term")).to_be_visible()
    expect(ana.page.locator(".card--pending")).to_have_count(0)
    expect(ben.card("Parents are not told why a child is sent home")).to_contain_text("Ashford Member")
    expect(facilitator.card("Parents are not told why a child is sent home")).to_be_visible()
    assert Card.objects.filter(board=live_board, text="Parents are not told why a child is sent home").count() == 1
    expect(ana.page.locator("[data-group] .promotion")).to_have_count(1)

    # Authors edit and remove their own cards; the facilitator can lock the board for a moment.
    card = ben.card_options("Schools share exclusion data only once a term")
    card.get_by_role("button", name="Edit").click()
    card.get_by_label("Card text").fill("Schools share exclusion data only once a term, too late to act")
    card.get_by_role("button", name="Save").click()
    expect(ana.card("too late to act")).to_be_visible()
    card = ana.card_options("Parents are not told why a child is sent home")
    card.get_by_role("button", name="Remove").click()
    card.get_by_role("button", name="Yes, remove this card").click()
    expect(ben.card("Parents are not told why a child is sent home")).to_have_count(0)
    facilitator.page.get_by_role("button", name="Lock the board").click()
    expect(ana.page.locator("[data-locked-notice]")).to_be_visible()
    expect(ana.page.get_by_role("button", name="Post card")).to_be_disabled()
    facilitator.page.get_by_role("button", name="Unlock the board").click()
    expect(ana.page.get_by_role("button", name="Post card")).to_be_enabled()

    # A reload shows the same board: the server is the authority.
    ana.page.reload()
    expect(ana.page.locator("[data-card]")).to_have_count(4)
    expect(ana.card("too late to act")).to_contain_text("Ashford Lead")
    for person in everyone:
        person.close()


def tab_to(page, predicate: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JavaScript `predicate` (given `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return Boolean({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def elsewhere(action) -> None:
    """Run a service as another process would: in a thread of its own (Playwright keeps an event loop in this one,
    and the broadcast after commit needs a thread without one)."""
    failures = []

    def run():
        try:
            action()
        except Exception as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert failures == []


def test_taking_part_with_the_keyboard_alone(browser, server, people, live_board):
    member = Person(browser, server, LAPTOP).sign_in(people["member"]).open_board(live_board)
    page = member.page

    # Write a card: Tab to the card, type, arrow to a colour, Space to post anonymously, Enter on the button.
    tab_to(page, "el.id === 'composer-text'")
    page.keyboard.type("Children in care move schools mid-year")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "composer-colour"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "blue"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "composer-anonymous"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Post card")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "focus is visible"
    page.keyboard.press("Enter")
    card = member.card("Children in care move schools mid-year")
    expect(card).to_contain_text("You (anonymous to others)")
    expect(card).to_have_class(re.compile("card--blue"))
    expect(page.locator("#composer-text")).to_be_focused()

    # The facilitator opens voting (from elsewhere); the member votes with Space and Enter, and takes one back.
    elsewhere(
        lambda: board_services.apply(
            principal=people["facilitator"], board_id=live_board.pk, op="phase.set", data={"phase": "vote"}, op_key=None
        )
    )
    expect(page.locator("[data-votes-left]")).to_have_text("You have 5 of 5 votes left.")
    tab_to(page, "el.dataset.action === 'vote-add'")
    page.keyboard.press("Space")
    expect(page.locator("[data-votes-left]")).to_have_text("You have 4 of 5 votes left.")
    page.keyboard.press("Enter")
    expect(page.locator("[data-votes-left]")).to_have_text("You have 3 of 5 votes left.")
    expect(page.locator(":focus")).to_have_attribute("data-action", "vote-add")
    page.keyboard.press("Shift+Tab")
    expect(page.locator(":focus")).to_have_attribute("data-action", "vote-remove")
    page.keyboard.press("Enter")
    expect(page.locator("[data-votes-left]")).to_have_text("You have 4 of 5 votes left.")
    expect(card.locator(".votes__count")).to_have_text("1")
    assert Vote.objects.filter(board=live_board).count() == 1
    assert Card.objects.get(board=live_board).anonymous is True
    member.close()


def test_a_guest_joins_with_the_code_and_sees_only_their_board(browser, server, people, live_board):
    facilitator = Person(browser, server, LAPTOP).sign_in(people["facilitator"]).open_board(live_board)
    facilitator.page.get_by_label("Guests can join for").select_option(label="2 hours")
    facilitator.page.get_by_role("button", name="Open a guest code").click()
    code = facilitator.page.locator(".guest-link__code [aria-hidden=true]").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{8}", code)

    guest = Person(browser, server, PHONE)
    guest.page.goto(f"{server}/join/")
    guest.page.get_by_label("Board code").fill(code.lower())
    guest.page.get_by_role("button", name="Continue").click()
    guest.page.get_by_label("Your name").fill("Sam (parent carer)")
    guest.page.get_by_role("button", name="Join the board").click()
    expect(guest.page.locator("h1")).to_have_text("What gets in the way of inclusion?")
    expect(guest.page.locator("[data-sync]")).to_have_attribute("data-state", "live")
    expect(guest.page.locator(".presence__me")).to_contain_text("a guest: you can see this board only")
    guest.write("Nobody explained the exclusion to us")
    expect(facilitator.card("Nobody explained the exclusion to us")).to_contain_text("Sam (parent carer)")
    expect(facilitator.page.locator(".presence__person", has_text="Sam (parent carer)")).to_contain_text("guest")

    # Everything else in the workspace asks a guest to sign in.
    guest.page.goto(f"{server}/c/{live_board.workshop.collaborative.slug}/")
    expect(guest.page.locator("h1")).to_have_text("Sign in")
    assert Guest.objects.get().display_name == "Sam (parent carer)"
    guest.close()
    facilitator.close()


CLIENT_PROTOCOL = """
async () => {
  const { BoardState, Session } = await import("/static/frontend/board.js");
  const snapshot = {
    seq: 0,
    board: { id: 1, phase: "write", revealed: true, locked: false, voting_open: false, voting_round: 0,
             vote_budget: 5, vote_cap_per_card: 3, timer: {}, spotlight: null, facilitator: "u:1" },
    zones: [{ id: 1, title: "Ideas", position: 0, breakout: "" }],
    groups: [], cards: [], participants: [], promotions: [],
    votes: { round: 0, mine: {}, remaining: 5, cast: 0 },
    me: { key: "u:2", name: "Ana", can_write: true, moderator: false },
  };
  const applied = [];
  const ui = { schedule() {}, setSync() {}, announce() {}, error() {}, afterSnapshot() {}, noted() {} };
  const state = new BoardState(snapshot);
  const original = state.apply.bind(state);
  state.apply = (event) => { applied.push(event.seq); return original(event); };
  const session = new Session({ socket: "/nowhere/", page: "/", now: new Date().toISOString() }, state, ui);
  const sent = [];
  const card = (seq, id) => ({ seq, type: "card.added", actor: "u:3",
    data: { id, zone: 1, group: null, text: `Card ${id}`, colour: "yellow", position: id } });

  // Offline: an operation waits in the queue.
  const opId = session.op("card.add", { zone: 1, text: "Written offline" });
  // Connected: the welcome brings a hello with the last seq, then the queued operation with the same id.
  session.socket = { readyState: WebSocket.OPEN, send: (text) => sent.push(JSON.parse(text)), close() {} };
  session.receive({ type: "welcome", me: snapshot.me, now: new Date().toISOString() });
  window.clearInterval(session.pinger);
  const afterWelcome = sent.map((f) => [f.type, f.since ?? null, f.id ?? null]);

  // Events 2 and 3 arrive before 1: nothing is applied out of order; after a short wait the client asks again.
  session.receive({ type: "batch", events: [card(3, 13), card(2, 12)], presence: [] });
  const beforeRepair = [...applied];
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const repairAsk = sent.slice(afterWelcome.length).map((f) => [f.type, f.since]);
  session.receive({ type: "events", events: [card(1, 11), card(2, 12)], now: new Date().toISOString() });
  // A duplicate of something already applied changes nothing; the ack of the queued op empties the queue.
  session.receive({ type: "batch", events: [card(2, 12)], presence: [] });
  session.receive({ type: "ack", id: opId, seq: 4, event: { ...card(4, 14), actor: "u:2" } });
  return {
    afterWelcome, opId, beforeRepair, repairAsk, applied, seq: state.seq, pending: session.pending.size,
    cards: [...state.cards.keys()], mine: state.cards.get(14).mine,
  };
}
"""


def test_the_client_applies_events_in_order_repairs_gaps_and_resends_queued_operations(browser, server):
    page = browser.new_page()
    page.goto(f"{server}/accounts/login/")
    result = page.evaluate(CLIENT_PROTOCOL)
    page.close()
    assert result["afterWelcome"] == [["hello", 0, None], ["op", None, result["opId"]]]
    assert result["beforeRepair"] == []
    assert result["repairAsk"] == [["hello", 0]]
    assert result["applied"] == [1, 2, 3, 4]
    assert result["seq"] == 4 and result["pending"] == 0
    assert result["cards"] == [11, 12, 13, 14] and result["mine"] is True


def test_facilitation_changes_hands_and_breakout_groups_come_back_together(browser, server, people, live_board):
    facilitator = Person(browser, server, LAPTOP).sign_in(people["facilitator"]).open_board(live_board)
    team = Person(browser, server, LAPTOP).sign_in(people["programme_team"]).open_board(live_board)
    member = Person(browser, server, PHONE).sign_in(people["member"]).open_board(live_board)
    expect(member.page.get_by_role("heading", name="Facilitator controls")).to_be_hidden()
    expect(team.page.locator("[data-takeover]")).to_contain_text("Ashford Facilitator is facilitating this board.")

    # Breakouts: an area for one group; only its members write there until everyone comes back together.
    tools = facilitator.page.locator("[data-tools]")
    tools.get_by_text("Breakout areas").click()
    tools.get_by_label("New area title").fill("Schools' ideas")
    tools.get_by_label("For the breakout group (optional)").fill("Schools")
    tools.get_by_role("button", name="Add area").click()
    expect(member.page.get_by_role("region", name="Schools' ideas")).to_contain_text("Breakout: Schools")
    area = member.page.get_by_label("Area", exact=True)
    expect(area.locator("option", has_text="Schools' ideas")).to_have_count(0)
    member.page.get_by_label("Your group").select_option("Schools")
    member.page.get_by_role("button", name="Join", exact=True).click()
    expect(facilitator.page.locator(".presence__person", has_text="Ashford Member")).to_contain_text("Schools")
    member.write("Share behaviour plans at transition", area="Schools' ideas")
    expect(facilitator.card("Share behaviour plans at transition")).to_be_visible()
    tools.get_by_role("button", name="Bring everyone back together").click()
    expect(member.page.locator("[data-breakout-box]")).to_be_hidden()
    expect(member.page.get_by_role("region", name="Schools' ideas")).not_to_contain_text("Breakout")

    # The programme team takes the board over; the facilitator can take it back.
    team.page.get_by_role("button", name="Take over facilitation").click()
    expect(team.page.get_by_role("heading", name="Facilitator controls")).to_be_visible()
    expect(facilitator.page.get_by_role("heading", name="Facilitator controls")).to_be_hidden()
    expect(facilitator.page.locator("[data-takeover]")).to_contain_text("Programme Team is facilitating this board.")
    expect(member.page.locator(".presence__person", has_text="Programme Team")).to_contain_text("facilitating")
    facilitator.page.get_by_role("button", name="Take over facilitation").click()
    expect(facilitator.page.get_by_role("heading", name="Facilitator controls")).to_be_visible()
    expect(team.page.get_by_role("heading", name="Facilitator controls")).to_be_hidden()
    live_board.refresh_from_db()
    assert live_board.facilitator == people["facilitator"]
    for person in (facilitator, team, member):
        person.close()
