// The live workshop board in the browser. It speaks the protocol of collab/board_protocol.py over
// /ws/live/board/<id>/: "hello" with the last sequence number seen, then a snapshot or the events missed; events are
// applied strictly in sequence order (a gap is buffered briefly, then repaired by asking again); operations carry an
// id of their own and stay queued until the server acknowledges them, so after a dropped connection they are sent
// again with the same id and the server applies each once. The server is the authority: nothing here decides what
// anyone may see or do, it only offers the controls that make sense for this person.
//
// No inline script and no framework: an ES module that renders into the shell the server sent.

const GAP_WAIT_MS = 700; // how long an out-of-order event waits for the ones before it
const PING_EVERY_MS = 20_000;
const PONG_WAIT_MS = 8_000;
const WRITING_EVERY_MS = 2_000;
const WRITING_SHOWN_MS = 6_000;
const MAX_BACKOFF_MS = 15_000;
const NEW_CARDS_EVERY_MS = 12_000; // at most one "new cards" announcement this often
const RETRY_RATE_LIMITED_MS = 1_200;
const FINAL_CLOSES = {
  4401: "You have been signed out. Sign in again to carry on.",
  4403: "You can no longer take part on this board. Reload the page to see why.",
  4404: "This board is not available to you.",
};

// --- Small DOM helpers ---------------------------------------------------------------------------------------------

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") element.textContent = value;
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

function show(element, visible) {
  if (element) element.hidden = !visible;
}

function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

/** Put exactly `wanted` into `parent`, in order, moving only what is out of place (so focus mostly stays put). */
function place(parent, wanted) {
  const keep = new Set(wanted);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  wanted.forEach((element, index) => {
    if (parent.children[index] !== element) parent.insertBefore(element, parent.children[index] ?? null);
  });
}

const byPosition = (a, b) => a.position - b.position || a.id - b.id;

function newOpId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(s / 60);
  const rest = String(s % 60).padStart(2, "0");
  if (minutes >= 60) return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:${rest}`;
  return `${minutes}:${rest}`;
}

function excerpt(text, length = 60) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

// --- The board's state, as this person may see it ---------------------------------------------------------------

class BoardState {
  constructor(snapshot, { ended = false } = {}) {
    this.cards = new Map();
    this.me = {};
    this.ended = ended; // the workshop has ended: the board is the record now
    this.load(snapshot);
  }

  load(s) {
    const mineBefore = new Set([...this.cards.values()].filter((c) => c.mine).map((c) => c.id));
    this.seq = s.seq;
    this.board = s.board;
    this.zones = new Map(s.zones.map((z) => [z.id, z]));
    this.groups = new Map(s.groups.map((g) => [g.id, g]));
    this.cards = new Map(s.cards.map((c) => [c.id, { ...c, mine: Boolean(c.mine ?? mineBefore.has(c.id)) }]));
    this.votes = {
      round: s.votes.round,
      mine: { ...s.votes.mine },
      remaining: s.votes.remaining,
      cast: s.votes.cast,
      tallies: s.votes.tallies ? { ...s.votes.tallies } : null,
    };
    const writing = new Map([...(this.participants?.values() ?? [])].map((p) => [p.key, p.writingUntil]));
    this.participants = new Map(s.participants.map((p) => [p.key, { ...p, writingUntil: writing.get(p.key) ?? 0 }]));
    this.promotions = s.promotions.map((p) => ({ ...p }));
    this.me = { ...this.me, ...s.me };
  }

  get revealed() {
    return this.board.revealed;
  }

  mayChange() {
    return this.me.can_write && !this.ended && (!this.board.locked || this.me.moderator);
  }

  /** Only promoting is still possible once the workshop has ended, and only for the facilitator. */
  mayPromote() {
    return Boolean(this.me.moderator && this.me.can_write);
  }

  mayWriteIn(zone) {
    return this.mayChange() && (!zone.breakout || this.me.moderator || this.me.breakout === zone.breakout);
  }

  votingOpen() {
    return this.board.voting_open && this.board.phase === "vote";
  }

  zonesInOrder() {
    return [...this.zones.values()].sort(byPosition);
  }

  groupsOf(zoneId) {
    return [...this.groups.values()].filter((g) => g.zone === zoneId).sort(byPosition);
  }

  tally(cardId) {
    return this.votes.tallies ? (this.votes.tallies[String(cardId)] ?? 0) : null;
  }

  resetVotes() {
    const b = this.board;
    const tallies = this.me.moderator ? {} : null; // only the facilitator sees the running totals
    this.votes = { round: b.voting_round, mine: {}, remaining: b.vote_budget, cast: 0, tallies };
  }

  /** Apply one event (already in sequence); returns a note about it for announcements, or null. */
  apply(event) {
    const d = event.data ?? {};
    const byMe = event.actor === this.me.key;
    switch (event.type) {
      case "card.added":
      case "card.updated":
      case "card.moved": {
        const before = this.cards.get(d.id);
        // A withheld version never replaces what this person already sees in full; it can still move it.
        const card = d.hidden && before && !before.hidden ? { ...before, zone: d.zone, position: d.position } : d;
        this.cards.set(d.id, { ...card, mine: before ? before.mine : byMe });
        return event.type === "card.added" && !before && !byMe ? { kind: "new-card" } : null;
      }
      case "card.removed":
        this.cards.delete(d.id);
        return null;
      case "cards.revealed": {
        const mine = new Set([...this.cards.values()].filter((c) => c.mine).map((c) => c.id));
        this.board = d.board;
        this.cards = new Map(
          d.cards.map((c) => {
            const own = mine.has(c.id) || (c.author_key !== null && c.author_key === this.me.key);
            return [c.id, { ...c, mine: own }];
          }),
        );
        return { kind: "revealed" };
      }
      case "group.created": {
        this.groups.set(d.id, { id: d.id, zone: d.zone, title: d.title, position: d.position });
        for (const id of d.cards ?? []) {
          const card = this.cards.get(id);
          if (card) {
            card.zone = d.zone;
            if (!card.hidden) card.group = d.id;
          }
        }
        return null;
      }
      case "group.updated":
        this.groups.set(d.id, { ...this.groups.get(d.id), ...d });
        return null;
      case "group.removed":
        this.groups.delete(d.id);
        for (const id of d.cards ?? []) {
          const card = this.cards.get(id);
          if (card) card.group = null;
        }
        return null;
      case "vote.changed": {
        if (d.round !== this.votes.round) return null;
        const delta = d.cast - this.votes.cast;
        this.votes.cast = d.cast;
        if (d.card !== undefined) {
          if (byMe) {
            this.votes.mine[String(d.card)] = d.mine;
            this.votes.remaining = d.remaining;
          }
          if (this.votes.tallies) {
            const key = String(d.card);
            this.votes.tallies[key] = Math.max(0, (this.votes.tallies[key] ?? 0) + delta);
          }
        }
        return null;
      }
      case "votes.tallied":
        if (d.round === this.votes.round) this.votes.tallies = { ...d.tallies };
        return { kind: "tallied" };
      case "board.updated": {
        const before = this.board;
        this.board = d;
        if (d.voting_round !== before.voting_round) this.resetVotes();
        else if (d.vote_budget !== before.vote_budget) {
          const spent = Object.values(this.votes.mine).reduce((a, b) => a + b, 0);
          this.votes.remaining = d.vote_budget - spent;
        }
        return { kind: "board", before, after: d, byMe };
      }
      case "zone.updated":
        this.zones.set(d.id, d);
        return null;
      case "breakouts.converged":
        this.zones = new Map(d.zones.map((z) => [z.id, z]));
        for (const p of this.participants.values()) p.breakout = "";
        this.me.breakout = "";
        return { kind: "converged" };
      case "participant.updated": {
        const p = this.participants.get(d.key);
        if (p) Object.assign(p, d);
        if (d.key === this.me.key) this.me.breakout = d.breakout;
        return null;
      }
      case "promoted":
        if (!this.promotions.some((p) => p.id === d.id)) this.promotions.push(d);
        return { kind: "promoted", data: d };
      default:
        return null;
    }
  }

  presence(items) {
    const now = Date.now();
    for (const item of items) {
      if (!item.online) {
        this.participants.delete(item.key);
        continue;
      }
      this.participants.set(item.key, { ...item, writingUntil: item.writing ? now + WRITING_SHOWN_MS : 0 });
    }
  }
}

// --- The connection: ordering, gaps, retries, reconnection --------------------------------------------------------

class Session {
  constructor(config, state, ui) {
    this.config = config;
    this.state = state;
    this.ui = ui;
    this.closes = { ...FINAL_CLOSES, ...config.closeMessages }; // a page other than a board words its own
    this.pending = new Map(); // op id → {op, data}, until acknowledged
    this.buffer = new Map(); // seq → event that arrived ahead of a gap
    this.socket = null;
    this.welcomed = false;
    this.attempt = 0;
    this.failures = 0;
    this.wasLive = false;
    this.reconnecting = false;
    this.stopped = false;
    this.offset = Date.parse(config.now) - Date.now();
    window.addEventListener("offline", () => this.drop());
    window.addEventListener("online", () => {
      if (!this.socket && !this.stopped) {
        this.attempt = 0;
        this.connect();
      }
    });
  }

  serverNow() {
    return Date.now() + this.offset;
  }

  connect() {
    if (this.stopped) return;
    window.clearTimeout(this.retryTimer);
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}${this.config.socket}`);
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
    });
    socket.addEventListener("message", (message) => {
      if (socket !== this.socket) return;
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.lost(event.code, opened);
    });
  }

  /** The network went away (or stopped answering): give up on this socket now and start reconnecting. */
  drop() {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    try {
      socket.close();
    } catch {
      // already closing
    }
    this.lost(1006, true);
  }

  lost(code, opened) {
    this.socket = null;
    this.welcomed = false;
    window.clearInterval(this.pinger);
    window.clearTimeout(this.pongTimer);
    if (this.closes[code]) {
      this.stop(this.closes[code]);
      return;
    }
    this.failures = opened ? 0 : this.failures + 1;
    if (this.wasLive && !this.reconnecting) {
      this.reconnecting = true;
      this.ui.announce("Connection lost. Reconnecting: what you write is kept and sent when you are back.");
    }
    this.ui.setSync(this.wasLive ? "reconnecting" : "connecting", this.pending.size);
    if (this.failures > 0 && this.failures % 3 === 0) this.checkStillAllowed();
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) + Math.random() * 400;
    this.attempt += 1;
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  /** A refused handshake looks like any network failure; ask the page itself whether this person may still be here. */
  async checkStillAllowed() {
    try {
      const options = { credentials: "same-origin", redirect: "manual", cache: "no-store" };
      const response = await fetch(this.config.page, options);
      if (response.type === "opaqueredirect" || response.status === 403 || response.status === 404) {
        this.stop(this.closes[4403]);
      }
    } catch {
      // the network is down: keep trying
    }
  }

  stop(message) {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.ui.setSync("stopped", 0, message);
  }

  transmit(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN && this.welcomed) {
      this.socket.send(JSON.stringify(frame));
      if (frame.type === "hello") this.catchingUp = frame; // until its snapshot or events arrive
      return true;
    }
    return false;
  }

  /** Queue an operation; it is sent now if connected, else after reconnecting, with the same id until acknowledged. */
  op(op, data = {}) {
    const id = newOpId();
    this.pending.set(id, { op, data });
    this.transmit({ type: "op", id, op, data });
    this.ui.schedule();
    return id;
  }

  writing() {
    const now = Date.now();
    if (now - (this.writingAt ?? 0) < WRITING_EVERY_MS) return;
    if (this.transmit({ type: "presence", writing: true })) this.writingAt = now;
  }

  receive(frame) {
    if (frame.now) this.offset = Date.parse(frame.now) - Date.now();
    switch (frame.type) {
      case "welcome": {
        this.welcomed = true;
        this.attempt = 0;
        this.failures = 0;
        // Becoming (or no longer being) the facilitator changes what this person may see: start from a snapshot.
        const roleChanged = this.state.me.moderator !== undefined && frame.me.moderator !== this.state.me.moderator;
        Object.assign(this.state.me, frame.me);
        this.transmit({ type: "hello", since: roleChanged ? null : this.state.seq });
        for (const [id, { op, data }] of this.pending) this.transmit({ type: "op", id, op, data });
        this.startPinging();
        break;
      }
      case "snapshot":
        this.catchingUp = null;
        this.state.load(frame.state);
        for (const seq of [...this.buffer.keys()]) if (seq <= this.state.seq) this.buffer.delete(seq);
        this.drain();
        this.inSync();
        this.ui.afterSnapshot();
        break;
      case "events":
        this.catchingUp = null;
        this.accept(frame.events);
        this.inSync();
        break;
      case "batch":
        this.accept(frame.events);
        if (frame.presence?.length) this.state.presence(frame.presence);
        break;
      case "ack":
        this.pending.delete(frame.id);
        if (frame.event) this.accept([frame.event]);
        break;
      case "error":
        this.failed(frame);
        break;
      case "pong":
        window.clearTimeout(this.pongTimer);
        // The board's head: on a quiet board, the only sign that a broadcast was lost.
        if (frame.seq > this.state.seq && !this.buffer.size) this.transmit({ type: "hello", since: this.state.seq });
        break;
      default:
        break;
    }
    this.ui.schedule();
  }

  failed(frame) {
    if (frame.id && this.pending.has(frame.id)) {
      const { op, data } = this.pending.get(frame.id);
      if (frame.code === "rate_limited" || frame.code === "server_error") {
        window.setTimeout(() => {
          if (this.pending.has(frame.id)) this.transmit({ type: "op", id: frame.id, op, data });
        }, RETRY_RATE_LIMITED_MS);
        return;
      }
      this.pending.delete(frame.id);
      this.ui.error(frame.message, op);
      return;
    }
    if (frame.code === "rate_limited") {
      // A heartbeat or catch-up request came too soon (this person's other tabs count too): the server is there, so
      // nothing to show; a catch-up still needed is asked for again once allowed.
      window.clearTimeout(this.pongTimer);
      const hello = this.catchingUp;
      if (hello) {
        window.setTimeout(() => {
          if (this.catchingUp === hello) this.transmit(hello);
        }, Math.max(RETRY_RATE_LIMITED_MS, (frame.retry_after ?? 0) * 1000));
      }
      return;
    }
    this.ui.error(frame.message);
  }

  inSync() {
    if (!this.wasLive || this.reconnecting) {
      this.ui.setSync(this.wasLive ? "synced" : "live", this.pending.size);
    }
    this.wasLive = true;
    this.reconnecting = false;
  }

  accept(events) {
    for (const event of events ?? []) if (event.seq > this.state.seq) this.buffer.set(event.seq, event);
    this.drain();
  }

  drain() {
    while (this.buffer.has(this.state.seq + 1)) {
      const event = this.buffer.get(this.state.seq + 1);
      this.buffer.delete(event.seq);
      const note = this.state.apply(event);
      this.state.seq = event.seq;
      if (note) this.ui.noted(note, event);
    }
    if (this.buffer.size === 0) {
      window.clearTimeout(this.gapTimer);
      this.gapTimer = null;
    } else if (!this.gapTimer) {
      // Something is missing: give it a moment to arrive, then ask for everything after the last event applied.
      this.gapTimer = window.setTimeout(() => {
        this.gapTimer = null;
        if (this.buffer.size) this.transmit({ type: "hello", since: this.state.seq });
      }, GAP_WAIT_MS);
    }
  }

  startPinging() {
    window.clearInterval(this.pinger);
    this.pinger = window.setInterval(() => {
      if (!this.transmit({ type: "ping", id: Date.now() })) return;
      window.clearTimeout(this.pongTimer);
      this.pongTimer = window.setTimeout(() => this.drop(), PONG_WAIT_MS);
    }, PING_EVERY_MS);
  }
}

// --- What the person sees -------------------------------------------------------------------------------------------

class BoardView {
  constructor(root, config, state) {
    this.root = root;
    this.config = config;
    this.state = state;
    this.session = null;
    this.cardElements = new Map();
    this.groupElements = new Map();
    this.zoneElements = new Map();
    this.pendingElements = new Map();
    this.newCards = 0;
    this.lastSpotlight = JSON.stringify(state.board.spotlight ?? null);
    this.colours = new Map(config.colours.map((c) => [c.value, c.label]));
    this.q = (selector) => root.querySelector(selector);
    this.bind();
    for (const section of root.querySelectorAll("[data-zones] > [data-zone]")) {
      this.zoneElements.set(Number(section.dataset.zone), this.adoptZone(section));
    }
  }

  // --- Wiring ---

  bind() {
    const form = this.q("[data-composer-form]");
    if (form) {
      const text = this.q("[data-composer-text]");
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.postCard();
      });
      text.addEventListener("input", () => {
        this.updateCount();
        if (text.value.trim()) this.session?.writing();
      });
      text.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          this.postCard();
        }
      });
    }
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (!button || !this.root.contains(button)) return;
      if (button.getAttribute("aria-disabled") === "true") {
        event.preventDefault();
        return;
      }
      this.act(button.dataset.action, button);
    });
    this.bindDragAndDrop();
    this.root.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const open = event.target.closest("details[open]");
      if (open) {
        open.open = false;
        open.querySelector("summary")?.focus();
      }
    });
    this.q("[data-timer-form]")?.addEventListener("submit", (event) => {
      event.preventDefault();
      const minutes = Number(this.q("[data-timer-minutes]").value);
      if (!Number.isFinite(minutes) || minutes <= 0 || minutes > this.config.timer_max_minutes) {
        this.error(`Set the timer for between 1 and ${this.config.timer_max_minutes} minutes.`);
        return;
      }
      this.session.op("timer.set", { action: "start", seconds: Math.round(minutes * 60) });
    });
    this.q("[data-zone-form]")?.addEventListener("submit", (event) => {
      event.preventDefault();
      const title = this.q("[data-zone-title]");
      const breakout = this.q("[data-zone-breakout]");
      if (!title.value.trim()) {
        this.error("Give the new area a title.");
        title.focus();
        return;
      }
      this.session.op("zone.add", { title: title.value.trim(), breakout: breakout.value.trim() });
      title.value = "";
      breakout.value = "";
      this.announce("Area added.");
    });
    this.q("[data-votes-form]")?.addEventListener("submit", (event) => {
      event.preventDefault();
      const budget = Number(this.q("[data-vote-budget]").value);
      const cap = Number(this.q("[data-vote-cap]").value);
      this.session.op("board.settings", { vote_budget: budget, vote_cap_per_card: cap });
    });
    this.q("[data-handover-form]")?.addEventListener("submit", (event) => {
      event.preventDefault();
      const to = this.q("[data-handover-to]").value;
      if (!to) {
        this.error("Nobody with an account is here to hand the board to.");
        return;
      }
      this.session.op("facilitator.handover", { to });
    });
    this.q("[data-breakout-form]")?.addEventListener("submit", (event) => {
      event.preventDefault();
      this.session.op("breakout.join", { breakout: this.q("[data-breakout-choice]").value });
    });
    for (const details of this.root.querySelectorAll(".tools details")) {
      details.addEventListener("toggle", () => {
        if (!details.open) return;
        const budget = this.q("[data-vote-budget]");
        if (budget && details.contains(budget)) {
          budget.value = this.state.board.vote_budget;
          this.q("[data-vote-cap]").value = this.state.board.vote_cap_per_card;
        }
      });
    }
    window.setInterval(() => this.tick(), 500);
    window.setInterval(() => {
      const now = Date.now();
      if ([...this.state.participants.values()].some((p) => p.writingUntil && p.writingUntil < now + 2000)) {
        this.schedule();
      }
    }, 2000);
  }

  /** Dragging a card onto an area or a group moves it: a shortcut for the card's "Move to" control. */
  bindDragAndDrop() {
    const zones = this.q("[data-zones]");
    const TYPE = "application/x-board-card";
    let over = null;
    const mark = (element) => {
      if (over === element) return;
      over?.classList.remove("is-drop-target");
      over = element;
      over?.classList.add("is-drop-target");
    };
    zones.addEventListener("dragstart", (event) => {
      const card = event.target.closest?.("[data-card]");
      if (!card || !card.draggable) return;
      event.dataTransfer.setData(TYPE, card.dataset.card);
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("is-dragging");
    });
    zones.addEventListener("dragend", (event) => {
      event.target.closest?.("[data-card]")?.classList.remove("is-dragging");
      mark(null);
    });
    const targetOf = (event) => event.target.closest?.("[data-group]") ?? event.target.closest?.("[data-zone]");
    zones.addEventListener("dragover", (event) => {
      if (!event.dataTransfer.types.includes(TYPE)) return;
      const target = targetOf(event);
      if (!target) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      mark(target);
    });
    zones.addEventListener("drop", (event) => {
      const id = Number(event.dataTransfer.getData(TYPE));
      const target = targetOf(event);
      mark(null);
      const card = this.state.cards.get(id);
      if (!card || !target) return;
      event.preventDefault();
      if (target.dataset.group) {
        const group = Number(target.dataset.group);
        if (card.group !== group) this.session.op("card.move", { card: id, group });
      } else {
        const zone = Number(target.dataset.zone);
        if (card.zone !== zone || card.group) this.session.op("card.move", { card: id, zone, group: null });
      }
    });
  }

  act(action, button) {
    const s = this.state;
    const op = (name, data) => this.session.op(name, data);
    switch (action) {
      case "phase":
        if (button.dataset.phase !== s.board.phase) op("phase.set", { phase: button.dataset.phase });
        break;
      case "reveal":
        op("cards.reveal", {});
        break;
      case "lock":
        op("board.lock", { locked: !s.board.locked });
        break;
      case "spotlight-clear":
        op("spotlight.set", {});
        break;
      case "timer":
        op("timer.set", { action: button.dataset.timerAction });
        break;
      case "converge":
        op("breakouts.converge", {});
        break;
      case "take-over":
        op("facilitator.take", {});
        break;
      case "vote-add":
      case "vote-remove": {
        const card = Number(button.dataset.cardId);
        op(action === "vote-add" ? "vote.add" : "vote.remove", { card });
        break;
      }
      case "write-here": {
        const select = this.q("[data-composer-zone]");
        if (select) select.value = button.dataset.zone;
        this.q("[data-composer-text]")?.focus();
        break;
      }
      default:
        break;
    }
  }

  postCard() {
    const text = this.q("[data-composer-text]");
    const value = text.value.trim();
    if (!value) {
      this.error("Write something on the card first.");
      text.focus();
      return;
    }
    if (value.length > this.config.card_max) {
      this.error(`Keep a card to ${this.config.card_max} characters or fewer.`);
      return;
    }
    const zone = Number(this.q("[data-composer-zone]").value);
    const colour = this.root.querySelector("input[name=composer-colour]:checked")?.value ?? "yellow";
    const anonymous = this.q("[data-composer-anonymous]").checked;
    this.session.op("card.add", { zone, text: value, colour, anonymous });
    text.value = "";
    this.updateCount();
    this.clearError();
    const online = this.session.welcomed;
    this.announce(online ? "Card posted." : "Card kept: it will be sent when you are back online.");
    text.focus();
  }

  updateCount() {
    const text = this.q("[data-composer-text]");
    const left = this.config.card_max - text.value.length;
    setText(this.q("[data-composer-count]"), `${plural(left, "character")} left`);
  }

  // --- Messages ---

  announce(message) {
    const region = this.q("[data-announcer]");
    region.textContent = "";
    window.setTimeout(() => {
      region.textContent = message;
    }, 60);
  }

  error(message, op) {
    const box = this.q("[data-errors]");
    if (!box) return;
    const what = op === "card.add" ? "Your card was not posted: " : "";
    box.textContent = `${what}${message}`;
    window.clearTimeout(this.errorTimer);
    this.errorTimer = window.setTimeout(() => this.clearError(), 10_000);
  }

  clearError() {
    const box = this.q("[data-errors]");
    if (box) box.textContent = "";
  }

  setSync(stateName, pending = 0, message = "") {
    this.syncState = stateName;
    const element = this.q("[data-sync]");
    element.dataset.state = stateName;
    const waiting = pending ? ` ${plural(pending, "change")} waiting to be sent.` : "";
    const words = {
      connecting: "Connecting…",
      live: "Live",
      reconnecting: `Reconnecting…${waiting}`,
      synced: "Back in sync",
      stopped: message,
    }[stateName];
    setText(this.q("[data-sync-text]"), words);
    if (stateName === "stopped") this.root.classList.add("is-stopped");
  }

  noted(note, event) {
    const s = this.state;
    if (note.kind === "new-card") {
      this.newCards += 1;
      if (!this.newCardsTimer) {
        this.newCardsTimer = window.setTimeout(() => {
          this.newCardsTimer = null;
          if (this.newCards) this.announce(`${plural(this.newCards, "new card")} on the board.`);
          this.newCards = 0;
        }, NEW_CARDS_EVERY_MS);
      }
    } else if (note.kind === "revealed") {
      this.announce("The facilitator has revealed everyone's cards.");
    } else if (note.kind === "tallied") {
      this.announce("Voting has closed: the votes are shown on the cards.");
    } else if (note.kind === "converged") {
      this.announce("The breakout groups are back together: every area is open to everyone.");
    } else if (note.kind === "promoted") {
      this.announce(`Taken forward as a ${note.data.target_name ?? note.data.target}: ${excerpt(note.data.label)}.`);
    } else if (note.kind === "board") {
      const { before, after } = note;
      const said = [];
      if (before.phase !== after.phase) {
        const label = this.config.phases.find((p) => p.value === after.phase)?.label ?? after.phase;
        said.push(`Phase: ${label}.`);
        if (after.phase === "vote" && after.voting_open && s.me.can_write) {
          said.push(`Voting is open: you have ${plural(after.vote_budget, "vote")}.`);
        }
      }
      if (before.locked !== after.locked) {
        said.push(after.locked ? "The facilitator has locked the board." : "The board is unlocked.");
      }
      if (before.facilitator !== after.facilitator) {
        const mine = after.facilitator === s.me.key;
        said.push(mine ? "You are now facilitating this board." : "Someone else is now facilitating this board.");
      }
      const restarted = after.timer.ends_at && after.timer.ends_at !== before.timer.ends_at;
      if (restarted && !before.timer.paused_seconds) said.push("The timer has started.");
      if (said.length) this.announce(said.join(" "));
    }
    void event;
  }

  // --- Rendering ---

  schedule() {
    if (this.frame) return;
    this.frame = window.requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  afterSnapshot() {
    this.lastSpotlight = JSON.stringify(this.state.board.spotlight ?? null);
  }

  render() {
    const active = document.activeElement;
    const focusKey = active?.closest?.("[data-board-app]") ? active.dataset.key : undefined;
    const focusCard = active?.closest?.("[data-card]")?.dataset.card;
    const focusZone = active?.closest?.("[data-zone]")?.dataset.zone;

    if (this.syncState === "reconnecting") this.setSync("reconnecting", this.session?.pending.size ?? 0);
    this.renderHead();
    this.renderFacilitation();
    this.renderZones();
    this.renderComposer();
    this.renderVotes();
    this.renderBreakouts();
    this.renderPresence();
    this.followSpotlight();
    this.tick();

    if (!document.activeElement || document.activeElement === document.body) {
      const again = focusKey && this.root.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
      if (again && !again.hidden) again.focus();
      else if (focusCard && this.cardElements.get(Number(focusCard))?.isConnected) {
        this.cardElements.get(Number(focusCard)).focus();
      } else if (focusZone && this.zoneElements.get(Number(focusZone))?.section.isConnected) {
        this.zoneElements.get(Number(focusZone)).section.focus();
      }
    }
  }

  renderHead() {
    const b = this.state.board;
    setText(this.q("[data-board-title]"), b.title);
    const prompt = this.q("[data-board-prompt]");
    setText(prompt, b.prompt);
    show(prompt, Boolean(b.prompt));
    const order = this.config.phases.map((p) => p.value);
    for (const step of this.root.querySelectorAll("[data-phases] [data-phase]")) {
      const index = order.indexOf(step.dataset.phase);
      const current = step.dataset.phase === b.phase;
      if (current) step.setAttribute("aria-current", "step");
      else step.removeAttribute("aria-current");
      step.classList.toggle("is-done", index < order.indexOf(b.phase));
    }
    show(this.q("[data-locked-notice]"), b.locked && !this.state.me.moderator);
    this.root.classList.toggle("is-locked", b.locked);
  }

  renderFacilitation() {
    const s = this.state;
    const b = s.board;
    const moderator = Boolean(s.me.moderator);
    show(this.q("[data-facilitate]"), moderator);
    show(this.q("[data-tools]"), moderator);
    const takeover = this.q("[data-takeover]");
    const mayTake = Boolean(s.me.may_take_over) && !moderator;
    show(takeover, mayTake);
    if (mayTake) {
      const known = b.facilitator === this.initialFacilitator ? this.config.facilitator_name : "Someone else";
      const name = s.participants.get(b.facilitator)?.name ?? known;
      setText(this.q("[data-takeover-text]"), `${name} is facilitating this board.`);
    }
    if (!moderator) return;
    for (const button of this.root.querySelectorAll("[data-phase-buttons] [data-phase]")) {
      button.setAttribute("aria-pressed", String(button.dataset.phase === b.phase));
    }
    show(this.q("[data-action=reveal]"), !b.revealed);
    show(this.q("[data-revealed-state]"), b.revealed && b.private_writing);
    const lock = this.q("[data-action=lock]");
    lock.setAttribute("aria-pressed", String(b.locked));
    setText(lock, b.locked ? "Unlock the board" : "Lock the board");
    show(this.q("[data-action=spotlight-clear]"), Boolean(b.spotlight));
    const running = Boolean(b.timer.ends_at);
    const paused = b.timer.paused_seconds !== null && b.timer.paused_seconds !== undefined;
    show(this.q("[data-timer-action=pause]"), running);
    show(this.q("[data-timer-action=resume]"), paused);
    show(this.q("[data-timer-action=stop]"), running || paused);
    setText(this.q("[data-timer-start]"), running || paused ? "Restart" : "Start");
    show(this.q("[data-action=converge]"), [...s.zones.values()].some((z) => z.breakout));
    const handover = this.q("[data-handover-to]");
    const people = [...s.participants.values()].filter((p) => p.key.startsWith("u:") && p.key !== s.me.key);
    const keys = people.map((p) => `${p.key}:${p.name}`).join("|");
    if (handover.dataset.keys !== keys) {
      const chosen = handover.value;
      handover.replaceChildren(
        ...(people.length
          ? people.map((p) => h("option", { value: p.key, text: p.name }))
          : [h("option", { value: "", text: "Nobody else with an account is here" })]),
      );
      if (people.some((p) => p.key === chosen)) handover.value = chosen;
      handover.dataset.keys = keys;
    }
  }

  // Zones, groups and cards

  adoptZone(section) {
    const zone = { section };
    section.setAttribute("tabindex", "-1");
    zone.title = section.querySelector(".zone__title");
    zone.breakout = section.querySelector(".zone__breakout");
    zone.head = section.querySelector(".zone__head");
    zone.count = h("p", { class: "zone__count" });
    zone.writeHere = h("button", {
      type: "button",
      class: "link-button zone__write",
      "data-action": "write-here",
      "data-zone": section.dataset.zone,
      "data-key": `write-${section.dataset.zone}`,
    });
    zone.head.append(zone.count, zone.writeHere);
    zone.groups = h("div", { class: "zone__groups" });
    zone.cards = h("ul", { class: "cards", "aria-label": "Cards not in a group" });
    zone.hidden = h("p", { class: "zone__hidden" });
    zone.empty = h("p", { class: "zone__empty", text: "No cards here yet." });
    zone.newGroup = this.groupCreator(Number(section.dataset.zone));
    section.append(zone.groups, zone.cards, zone.hidden, zone.empty, zone.newGroup);
    return zone;
  }

  createZone(z) {
    const section = h(
      "section",
      { class: "zone", "data-zone": z.id, "aria-labelledby": `zone-${z.id}-title` },
      h(
        "header",
        { class: "zone__head" },
        h("h2", { class: "zone__title", id: `zone-${z.id}-title`, text: z.title }),
        h("p", { class: "zone__breakout", hidden: !z.breakout }),
      ),
    );
    return this.adoptZone(section);
  }

  groupCreator(zoneId) {
    const input = h(
      "input",
      { type: "text", id: `new-group-${zoneId}`, maxlength: 120, "data-key": `new-group-${zoneId}` },
    );
    const form = h(
      "form",
      { class: "inline-controls", novalidate: true },
      h("label", { class: "label", for: `new-group-${zoneId}`, text: "Group name" }),
      h(
        "div",
        { class: "inline-controls__row" },
        input,
        h("button", { type: "submit", class: "button button--small", text: "Create" }),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!input.value.trim()) {
        this.error("Give the group a name.");
        input.focus();
        return;
      }
      this.session.op("group.create", { zone: zoneId, title: input.value.trim() });
      input.value = "";
      details.open = false;
      this.announce("Group created.");
      details.querySelector("summary").focus();
    });
    const details = h(
      "details",
      { class: "zone__new-group" },
      h("summary", { text: "New group", "data-key": `new-group-toggle-${zoneId}` }),
      form,
    );
    return details;
  }

  renderZones() {
    const s = this.state;
    const container = this.q("[data-zones]");
    const zones = s.zonesInOrder();
    const pendingByZone = new Map();
    for (const [id, p] of this.session?.pending ?? []) {
      if (p.op !== "card.add") continue;
      if (!pendingByZone.has(p.data.zone)) pendingByZone.set(p.data.zone, []);
      pendingByZone.get(p.data.zone).push([id, p.data]);
    }
    for (const [id] of this.zoneElements) if (!s.zones.has(id)) this.zoneElements.delete(id);
    const wanted = [];
    const visibleCards = new Set();
    for (const z of zones) {
      let zone = this.zoneElements.get(z.id);
      if (!zone) {
        zone = this.createZone(z);
        this.zoneElements.set(z.id, zone);
      }
      wanted.push(zone.section);
      setText(zone.title, z.title);
      setText(zone.breakout, z.breakout ? `Breakout: ${z.breakout}` : "");
      show(zone.breakout, Boolean(z.breakout));
      const writable = s.mayWriteIn(z);
      const elsewhere = Boolean(z.breakout) && !writable && s.me.can_write && !s.me.moderator;
      zone.section.classList.toggle("zone--elsewhere", elsewhere);
      setText(zone.writeHere, "Write here");
      zone.writeHere.setAttribute("aria-label", `Write a card in “${z.title}”`);
      show(zone.writeHere, writable);
      show(zone.newGroup, s.mayChange() && writable);

      const cards = [...s.cards.values()].filter((c) => c.zone === z.id).sort(byPosition);
      const hidden = cards.filter((c) => c.hidden);
      const shown = cards.filter((c) => !c.hidden);
      const groupIds = new Set(s.groupsOf(z.id).map((g) => g.id));
      const groups = s.groupsOf(z.id).map((g) => {
        const element = this.renderGroup(g, shown.filter((c) => c.group === g.id));
        return element;
      });
      place(zone.groups, groups);
      const loose = shown.filter((c) => !c.group || !groupIds.has(c.group)).map((c) => this.renderCard(c));
      for (const c of shown) visibleCards.add(c.id);
      const provisional = (pendingByZone.get(z.id) ?? []).map(([id, data]) => this.renderPending(id, data));
      place(zone.cards, [...loose, ...provisional]);
      show(zone.cards, loose.length + provisional.length > 0);
      const othersHidden = hidden.length;
      setText(
        zone.hidden,
        othersHidden ? `${plural(othersHidden, "hidden card")} from others, until the facilitator reveals them.` : "",
      );
      show(zone.hidden, othersHidden > 0);
      show(zone.empty, cards.length + provisional.length === 0);
      const countWords = plural(shown.length + othersHidden, "card");
      setText(zone.count, countWords);
    }
    place(container, wanted);
    for (const [id, element] of this.cardElements) if (!visibleCards.has(id)) {
      element.remove();
      this.cardElements.delete(id);
    }
    for (const [id, element] of this.groupElements) if (!s.groups.has(id)) {
      element.section.remove();
      this.groupElements.delete(id);
    }
    const live = new Set(this.session?.pending.keys() ?? []);
    for (const [id, element] of this.pendingElements) if (!live.has(id)) {
      element.remove();
      this.pendingElements.delete(id);
    }
  }

  renderGroup(g, cards) {
    let group = this.groupElements.get(g.id);
    if (!group) {
      group = this.createGroup(g);
      this.groupElements.set(g.id, group);
    }
    const s = this.state;
    setText(group.title, g.title);
    setText(group.menuName, ` for the group “${excerpt(g.title, 40)}”`);
    const spot = s.board.spotlight;
    group.section.classList.toggle("is-spotlit", Boolean(spot && spot.kind === "group" && spot.id === g.id));
    const tallies = cards.map((c) => s.tally(c.id) ?? 0);
    const total = tallies.reduce((a, b) => a + b, 0);
    const showTotal = s.votes.tallies && (total > 0 || !s.board.voting_open);
    setText(group.votes, showTotal ? `${plural(total, "vote")}${s.board.voting_open ? " so far" : ""}` : "");
    show(group.votes, Boolean(showTotal));
    this.renderPromotions(group.promotions, s.promotions.filter((p) => p.group === g.id));
    show(group.menu, s.mayChange() || (s.ended && s.mayPromote() && this.config.targets.length > 0));
    place(group.cards, cards.map((c) => this.renderCard(c)));
    show(group.empty, cards.length === 0);
    return group.section;
  }

  createGroup(g) {
    const group = {};
    group.title = h("h3", { class: "group__title", id: `group-${g.id}-title` });
    group.votes = h("span", { class: "badge badge--votes" });
    group.menu = h(
      "details",
      { class: "menu" },
      h(
        "summary",
        { class: "menu__toggle", "data-key": `group-menu-${g.id}` },
        "Options",
        (group.menuName = h("span", { class: "visually-hidden", text: " for this group" })),
      ),
    );
    group.panel = h("div", { class: "menu__panel" });
    group.menu.append(group.panel);
    group.menu.addEventListener("toggle", () => {
      if (group.menu.open) this.fillGroupMenu(group, g.id);
    });
    group.promotions = h("ul", { class: "promotions" });
    group.cards = h("ul", { class: "cards cards--grouped" });
    group.empty = h(
      "p",
      { class: "group__empty", text: "No cards in this group yet. Use a card's Options to move it here." },
    );
    group.section = h(
      "section",
      { class: "group", "data-group": g.id, "aria-labelledby": `group-${g.id}-title`, tabindex: "-1" },
      h("header", { class: "group__head" }, group.title, group.votes, group.menu),
      group.promotions,
      group.cards,
      group.empty,
    );
    return group;
  }

  fillGroupMenu(group, groupId) {
    const s = this.state;
    const g = s.groups.get(groupId);
    if (!g) return;
    if (s.ended) {
      group.panel.replaceChildren(...this.moderatorItems("group", groupId, group.menu, { spotlight: false }));
      return;
    }
    const name = h(
      "input",
      { type: "text", id: `rename-${groupId}`, maxlength: 120, value: g.title, "data-key": `rename-${groupId}` },
    );
    const rename = h(
      "form",
      { class: "inline-controls", novalidate: true },
      h("label", { class: "label", for: `rename-${groupId}`, text: "Rename the group" }),
      h(
        "div",
        { class: "inline-controls__row" },
        name,
        h("button", { type: "submit", class: "button button--small", text: "Save" }),
      ),
    );
    rename.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!name.value.trim()) return this.error("Give the group a name.");
      this.session.op("group.rename", { group: groupId, title: name.value.trim() });
      this.closeMenu(group.menu);
      this.announce("Group renamed.");
    });
    const items = [rename];
    const ungroup = h(
      "button",
      { type: "button", class: "button button--small button--secondary", text: "Ungroup the cards" },
    );
    ungroup.addEventListener("click", () => {
      this.session.op("group.remove", { group: groupId });
      this.announce("Group removed; its cards stay in the area.");
    });
    items.push(h("div", { class: "menu__row" }, ungroup));
    if (s.me.moderator) items.push(...this.moderatorItems("group", groupId, group.menu));
    group.panel.replaceChildren(...items);
  }

  moderatorItems(kind, id, menu, { spotlight = true } = {}) {
    const items = [];
    if (spotlight) {
      const spot = h(
        "button",
        { type: "button", class: "button button--small button--secondary", text: "Spotlight for everyone" },
      );
      spot.addEventListener("click", () => {
        this.session.op("spotlight.set", { kind, id });
        this.closeMenu(menu);
      });
      items.push(h("div", { class: "menu__row" }, spot));
    }
    if (this.config.targets.length && !this.state.board.revealed) {
      // Promoting copies the text elsewhere: the server refuses it until the reveal, so say so instead of offering it.
      items.push(
        h("p", {
          class: "hint",
          text: `Reveal everyone's cards to take this ${kind} forward: until then, what people wrote is private to them.`,
        }),
      );
    } else if (this.config.targets.length) {
      const selectId = `promote-${kind}-${id}`;
      const select = h(
        "select",
        { id: selectId },
        this.config.targets.map((t) => h("option", { value: t.name, text: t.label })),
      );
      // The menu is rebuilt whenever it opens or the board changes: keep the target someone already chose.
      this.promoteChoice ||= {};
      const choiceKey = `${kind}-${id}`;
      if (this.promoteChoice[choiceKey]) select.value = this.promoteChoice[choiceKey];
      select.addEventListener("change", () => {
        this.promoteChoice[choiceKey] = select.value;
      });
      const form = h(
        "form",
        { class: "inline-controls", novalidate: true },
        h("label", { class: "label", for: selectId, text: `Take this ${kind} forward as` }),
        h(
          "div",
          { class: "inline-controls__row" },
          select,
          h("button", { type: "submit", class: "button button--small", text: "Promote" }),
        ),
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.session.op("promote", { target: select.value, [kind]: id });
        this.closeMenu(menu);
      });
      items.push(form);
    }
    return items;
  }

  closeMenu(menu) {
    menu.open = false;
    menu.querySelector("summary")?.focus();
  }

  renderPromotions(list, promotions) {
    const keys = promotions.map((p) => p.id).join(",");
    if (list.dataset.keys === keys) return;
    list.dataset.keys = keys;
    list.replaceChildren(
      ...promotions.map((p) => {
        const target = this.config.targets.find((t) => t.name === p.target)?.label ?? p.target_name ?? p.target;
        const words = `${target}: ${p.label}`;
        return h(
          "li",
          { class: "promotion" },
          h("span", { class: "promotion__mark", "aria-hidden": "true", text: "↗" }),
          " Taken forward as ",
          p.url && !this.config.is_guest ? h("a", { href: p.url, text: words }) : words,
        );
      }),
    );
    show(list, promotions.length > 0);
  }

  renderCard(c) {
    let card = this.cardElements.get(c.id);
    if (!card) {
      card = this.createCard(c.id);
      this.cardElements.set(c.id, card);
    }
    const s = this.state;
    const p = card.parts;
    card.className = `card card--${c.colour}`;
    const spot = s.board.spotlight;
    card.classList.toggle("is-spotlit", Boolean(spot && spot.kind === "card" && spot.id === c.id));
    card.classList.toggle("is-mine", c.mine);
    const zone = s.zones.get(c.zone);
    card.draggable = Boolean(zone && s.mayWriteIn(zone) && (c.mine || s.revealed || s.me.moderator)) && !p.menu.open;
    setText(p.text, c.text);
    setText(p.menuName, ` for the card “${excerpt(c.text, 40)}”`);
    let author;
    if (c.mine) author = c.anonymous ? "You (anonymous to others)" : "You";
    else author = c.anonymous ? "Anonymous" : c.author;
    setText(p.author, author);
    if (!s.revealed && c.mine && !s.me.moderator) setText(p.privacy, "Only you and the facilitator see this");
    else setText(p.privacy, "");
    show(p.privacy, Boolean(p.privacy.textContent));
    setText(p.colour, this.colours.get(c.colour) ?? c.colour);

    // Votes: my dots while voting is open; the tally once it is known.
    const voting = s.votingOpen() && s.mayChange();
    show(p.votes, voting);
    if (voting) {
      const mine = s.votes.mine[String(c.id)] ?? 0;
      setText(p.mineCount, String(mine));
      p.mineLabel.textContent = mine === 1 ? "your vote" : "your votes";
      const canAdd = s.votes.remaining > 0 && mine < s.board.vote_cap_per_card;
      p.add.setAttribute("aria-disabled", String(!canAdd));
      p.remove.setAttribute("aria-disabled", String(mine === 0));
      p.add.setAttribute("aria-label", `Vote for: ${excerpt(c.text)}`);
      p.remove.setAttribute("aria-label", `Take a vote back from: ${excerpt(c.text)}`);
    }
    const tally = s.tally(c.id);
    const showTally = tally !== null && (tally > 0 || !s.board.voting_open) && s.votes.round > 0;
    setText(p.tally, showTally ? `${plural(tally, "vote")}${s.board.voting_open ? " so far" : ""}` : "");
    show(p.tally, Boolean(showTally));
    p.tally.classList.toggle("badge--none", tally === 0);
    this.renderPromotions(p.promotions, s.promotions.filter((x) => x.card === c.id));
    show(p.menu, s.mayChange() || (s.ended && s.mayPromote() && this.config.targets.length > 0));
    return card;
  }

  createCard(id) {
    const parts = {};
    parts.text = h("p", { class: "card__text" });
    parts.author = h("span", { class: "card__author" });
    parts.colour = h("span", { class: "visually-hidden" });
    parts.privacy = h("span", { class: "card__privacy" });
    parts.tally = h("span", { class: "badge badge--votes" });
    parts.add = h(
      "button",
      { type: "button", class: "vote-button", "data-action": "vote-add", "data-card-id": id, "data-key": `vote-add-${id}` },
      h("span", { "aria-hidden": "true", text: "+" }),
    );
    parts.remove = h(
      "button",
      { type: "button", class: "vote-button", "data-action": "vote-remove", "data-card-id": id, "data-key": `vote-remove-${id}` },
      h("span", { "aria-hidden": "true", text: "−" }),
    );
    parts.mineCount = h("span", { class: "votes__count" });
    parts.mineLabel = h("span", { class: "visually-hidden" });
    parts.votes = h(
      "div",
      { class: "votes", role: "group", "aria-label": "Your votes on this card" },
      parts.remove,
      h("span", { class: "votes__mine" }, parts.mineCount, " ", parts.mineLabel),
      parts.add,
    );
    parts.promotions = h("ul", { class: "promotions" });
    parts.menu = h(
      "details",
      { class: "menu" },
      h(
        "summary",
        { class: "menu__toggle", "data-key": `card-menu-${id}` },
        "Options",
        (parts.menuName = h("span", { class: "visually-hidden", text: " for this card" })),
      ),
    );
    parts.panel = h("div", { class: "menu__panel" });
    parts.menu.append(parts.panel);
    const card = h(
      "li",
      { class: "card", "data-card": id, tabindex: "-1" },
      parts.text,
      h("p", { class: "card__meta" }, parts.author, parts.colour, parts.privacy),
      parts.promotions,
      h("div", { class: "card__foot" }, parts.tally, parts.votes, parts.menu),
    );
    card.parts = parts;
    parts.menu.addEventListener("toggle", () => {
      if (parts.menu.open) this.fillCardMenu(card, id);
      this.schedule(); // an open menu holds fields: the card stops being draggable meanwhile
    });
    return card;
  }

  fillCardMenu(card, id) {
    const s = this.state;
    const c = s.cards.get(id);
    if (!c) return;
    const { panel, menu } = card.parts;
    if (s.ended) {
      panel.replaceChildren(...this.moderatorItems("card", id, menu, { spotlight: false }));
      return;
    }
    const items = [];
    const own = c.mine || s.me.moderator;
    if (own) {
      const edit = h("button", { type: "button", class: "button button--small button--secondary", text: "Edit" });
      edit.addEventListener("click", () => this.editCard(card, id));
      const remove = h("button", { type: "button", class: "button button--small button--warning", text: "Remove" });
      remove.addEventListener("click", () => {
        if (!remove.dataset.confirm) {
          // A second press removes it: a slip of the finger should not lose someone's card.
          remove.dataset.confirm = "yes";
          remove.textContent = "Yes, remove this card";
          this.announce("Press again to remove the card.");
          return;
        }
        this.session.op("card.remove", { card: id });
        this.announce("Card removed.");
      });
      items.push(h("div", { class: "menu__row" }, edit, remove));
    }
    if (own || s.revealed) {
      const selectId = `move-${id}`;
      const select = h("select", { id: selectId });
      for (const z of s.zonesInOrder()) {
        if (!s.mayWriteIn(z)) continue;
        const optgroup = h("optgroup", { label: z.title });
        optgroup.append(h("option", { value: `z:${z.id}`, text: `${z.title}: not in a group` }));
        for (const g of s.groupsOf(z.id)) optgroup.append(h(
          "option",
          { value: `g:${g.id}`, text: `Group: ${g.title}` },
        ));
        select.append(optgroup);
      }
      select.value = c.group ? `g:${c.group}` : `z:${c.zone}`;
      const move = h(
        "form",
        { class: "inline-controls", novalidate: true },
        h("label", { class: "label", for: selectId, text: "Move to" }),
        h(
          "div",
          { class: "inline-controls__row" },
          select,
          h("button", { type: "submit", class: "button button--small", text: "Move" }),
        ),
      );
      move.addEventListener("submit", (event) => {
        event.preventDefault();
        const [kind, target] = select.value.split(":");
        const into = Number(target);
        const data = kind === "g" ? { card: id, group: into } : { card: id, zone: into, group: null };
        this.session.op("card.move", data);
        this.closeMenu(menu);
        this.announce("Card moved.");
      });
      items.push(move);
      const groupId = `group-with-${id}`;
      const name = h("input", { type: "text", id: groupId, maxlength: 120 });
      const group = h(
        "form",
        { class: "inline-controls", novalidate: true },
        h("label", { class: "label", for: groupId, text: "Start a group with this card" }),
        h(
          "div",
          { class: "inline-controls__row" },
          name,
          h("button", { type: "submit", class: "button button--small", text: "Create" }),
        ),
      );
      group.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!name.value.trim()) return this.error("Give the group a name.");
        this.session.op("group.create", { zone: c.zone, title: name.value.trim(), cards: [id] });
        this.closeMenu(menu);
        this.announce("Group created with this card.");
      });
      items.push(group);
    }
    if (s.me.moderator) items.push(...this.moderatorItems("card", id, menu));
    if (!items.length) items.push(h(
      "p",
      { class: "hint", text: "Nothing to change here until the cards are revealed." },
    ));
    panel.replaceChildren(...items);
  }

  editCard(card, id) {
    const c = this.state.cards.get(id);
    if (!c) return;
    const { panel, menu } = card.parts;
    const textId = `edit-${id}`;
    const colourId = `edit-colour-${id}`;
    const text = h("textarea", { id: textId, rows: 3, maxlength: this.config.card_max });
    text.value = c.text;
    const colour = h(
      "select",
      { id: colourId },
      this.config.colours.map((x) => h("option", { value: x.value, text: x.label })),
    );
    colour.value = c.colour;
    const cancel = h("button", { type: "button", class: "button button--small button--secondary", text: "Cancel" });
    const form = h(
      "form",
      { class: "stack", novalidate: true },
      h("div", {}, h("label", { class: "label", for: textId, text: "Card text" }), text),
      h("div", {}, h("label", { class: "label", for: colourId, text: "Colour" }), colour),
      h(
        "div",
        { class: "menu__row" },
        h("button", { type: "submit", class: "button button--small", text: "Save" }),
        cancel,
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!text.value.trim()) return this.error("A card needs some words. To take it away, use Remove.");
      this.session.op("card.edit", { card: id, text: text.value.trim(), colour: colour.value });
      this.closeMenu(menu);
      this.announce("Card saved.");
    });
    cancel.addEventListener("click", () => this.closeMenu(menu));
    panel.replaceChildren(form);
    text.focus();
  }

  renderPending(id, data) {
    let card = this.pendingElements.get(id);
    if (!card) {
      card = h(
        "li",
        { class: `card card--${data.colour} card--pending is-mine`, "data-pending": id },
        h("p", { class: "card__text", text: data.text }),
        h(
          "p",
          { class: "card__meta" },
          h("span", { class: "card__author", text: "You" }),
          h("span", { class: "card__privacy", "data-pending-state": true }),
        ),
      );
      this.pendingElements.set(id, card);
    }
    const state = card.querySelector("[data-pending-state]");
    setText(state, this.session?.welcomed ? "Sending…" : "Not sent yet: it will be sent when you are back online");
    return card;
  }

  renderComposer() {
    const s = this.state;
    const fields = this.q("[data-composer-fields]");
    if (!fields) return;
    fields.disabled = !s.mayChange();
    const select = this.q("[data-composer-zone]");
    const zones = s.zonesInOrder().filter((z) => s.mayWriteIn(z));
    const keys = zones.map((z) => `${z.id}:${z.title}`).join("|");
    if (select.dataset.keys !== keys) {
      const chosen = select.value;
      select.replaceChildren(...zones.map((z) => h("option", { value: z.id, text: z.title })));
      if (zones.some((z) => String(z.id) === chosen)) select.value = chosen;
      select.dataset.keys = keys;
    }
    show(this.q("[data-composer-zone-field]"), zones.length > 1);
    setText(
      this.q("[data-composer-hint]"),
      s.revealed
        ? "Everyone on the board will see it."
        : "Only you and the facilitator see it until the facilitator reveals the cards.",
    );
  }

  renderVotes() {
    const s = this.state;
    const box = this.q("[data-votes-box]");
    const open = s.votingOpen() && s.me.can_write;
    show(box, open);
    if (!open) return;
    const budget = s.board.vote_budget;
    const left = Math.max(0, s.votes.remaining);
    setText(this.q("[data-votes-left]"), `You have ${left} of ${plural(budget, "vote")} left.`);
    setText(this.q("[data-votes-dots]"), "●".repeat(budget - left) + "○".repeat(left));
    const cap = plural(s.board.vote_cap_per_card, "vote");
    setText(this.q("[data-votes-hint]"), `Use + and − on the cards. Up to ${cap} on one card.`);
  }

  renderBreakouts() {
    const s = this.state;
    const names = [...new Set([...s.zones.values()].map((z) => z.breakout).filter(Boolean))].sort();
    const box = this.q("[data-breakout-box]");
    show(box, names.length > 0 && s.me.can_write);
    if (!names.length) return;
    const select = this.q("[data-breakout-choice]");
    const keys = names.join("|");
    if (select.dataset.keys !== keys) {
      select.replaceChildren(h(
        "option",
        { value: "", text: "Not in a breakout group" },
      ), ...names.map((n) => h("option", { value: n, text: n })));
      select.dataset.keys = keys;
      select.value = s.me.breakout ?? "";
    }
    if (document.activeElement !== select && select.dataset.mine !== (s.me.breakout ?? "")) {
      select.value = s.me.breakout ?? "";
      select.dataset.mine = s.me.breakout ?? "";
    }
  }

  renderPresence() {
    const s = this.state;
    const meFirst = (a, b) => (a.key === s.me.key ? -1 : b.key === s.me.key ? 1 : a.name.localeCompare(b.name));
    const people = [...s.participants.values()].sort(meFirst);
    setText(this.q("[data-presence-count]"), String(people.length));
    const now = Date.now();
    const list = this.q("[data-presence-list]");
    const keys = people
      .map((p) => `${p.key}:${p.name}:${p.writingUntil > now}:${p.breakout}:${s.board.facilitator === p.key}`)
      .join("|");
    if (list.dataset.keys === keys) return;
    list.dataset.keys = keys;
    list.replaceChildren(
      ...people.map((p) => {
        const tags = [];
        if (p.key === s.me.key) tags.push("you");
        if (s.board.facilitator === p.key) tags.push("facilitating");
        if (p.guest) tags.push("guest");
        if (p.breakout) tags.push(p.breakout);
        return h(
          "li",
          { class: "presence__person" },
          h("span", { class: "presence__avatar", "aria-hidden": "true", text: p.name.trim().charAt(0).toUpperCase() }),
          h("span", { class: "presence__name", text: p.name }),
          tags.length ? h("span", { class: "presence__tags", text: ` (${tags.join(", ")})` }) : null,
          p.writingUntil > now && p.key !== s.me.key ? h(
            "span",
            { class: "presence__writing", text: " writing…" },
          ) : null,
        );
      }),
    );
  }

  followSpotlight() {
    const s = this.state;
    const spot = s.board.spotlight;
    const key = JSON.stringify(spot ?? null);
    const notice = this.q("[data-spotlight-notice]");
    let target = null;
    let words = "";
    if (spot?.kind === "card") {
      target = this.cardElements.get(spot.id);
      const card = s.cards.get(spot.id);
      words = card && !card.hidden ? `The facilitator is pointing at a card: “${excerpt(card.text, 90)}”` : "";
    } else if (spot?.kind === "group") {
      target = this.groupElements.get(spot.id)?.section;
      const group = s.groups.get(spot.id);
      words = group ? `The facilitator is pointing at the group “${group.title}”` : "";
    }
    if (words && s.me.moderator) words = words.replace("The facilitator is pointing", "You are pointing everyone");
    show(notice, Boolean(words));
    setText(this.q("[data-spotlight-text]"), words);
    const go = this.q("[data-spotlight-go]");
    go.onclick = () => this.goTo(target);
    if (key === this.lastSpotlight) return;
    this.lastSpotlight = key;
    if (!words) return;
    this.announce(`${words}.`);
    const typing = document.activeElement?.matches?.("textarea, input[type=text], select");
    if (!s.me.moderator && this.q("[data-follow]")?.checked && !typing) this.goTo(target);
  }

  goTo(target) {
    if (!target?.isConnected) return;
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    target.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
    target.focus({ preventScroll: true });
  }

  tick() {
    const t = this.state.board.timer;
    const box = this.q("[data-timer]");
    const paused = t.paused_seconds !== null && t.paused_seconds !== undefined;
    if (!t.ends_at && !paused) {
      show(box, false);
      this.timerMark = null;
      return;
    }
    show(box, true);
    let seconds;
    if (paused) seconds = t.paused_seconds;
    else seconds = (Date.parse(t.ends_at) - (this.session ? this.session.serverNow() : Date.now())) / 1000;
    const over = !paused && seconds <= 0;
    box.dataset.state = paused ? "paused" : over ? "over" : seconds <= 60 ? "ending" : "running";
    setText(this.q("[data-timer-label]"), paused ? "Timer paused" : over ? "Time is up" : "Time left");
    setText(this.q("[data-timer-value]"), clock(over ? 0 : seconds));
    // Say it twice at most per run of the timer: a minute left, and time up (not when the page opens long after).
    if (t.ends_at !== this.timerMark) {
      this.timerMark = t.ends_at;
      this.timerSaid = new Set(over ? ["minute", "over"] : seconds <= 60 ? ["minute"] : []);
    }
    if (paused) return;
    if (over && !this.timerSaid.has("over")) {
      this.timerSaid.add("over");
      this.announce("Time is up.");
    } else if (!over && seconds <= 60 && !this.timerSaid.has("minute")) {
      this.timerSaid.add("minute");
      this.announce("One minute left.");
    }
  }
}

// --- Start -----------------------------------------------------------------------------------------------------------

function start(root) {
  const config = JSON.parse(document.getElementById("board-config").textContent);
  const snapshot = JSON.parse(document.getElementById("board-state").textContent);
  const state = new BoardState(snapshot, { ended: config.ended });
  const view = new BoardView(root, config, state);
  view.initialFacilitator = snapshot.board.facilitator;
  const session = new Session(config, state, view);
  view.session = session;
  view.render();
  if (!("WebSocket" in window)) {
    view.setSync("stopped", 0, "This browser cannot keep the board up to date. Try a recent version of any browser.");
    return;
  }
  session.connect();
}

const root = typeof document === "undefined" ? null : document.querySelector("[data-board-app]");
if (root) start(root);

export { BoardState, Session };
