// The system map in the browser: the map page (drawn with Cytoscape.js, vendored in static/vendor/cytoscape/), the
// table view's live notices, and present mode. The map page and the table view speak the live protocol of
// systemmap/protocol.py over /ws/live/systemmap/<id>/ through the board's client (`Session` in board.js): "hello" with
// the last sequence number seen, then a snapshot or the events missed; events applied strictly in order, a gap
// repaired by asking again; operations queued with an id of their own until acknowledged.
//
// The server is the authority: what a person may see (sensitive evidence is a stub for everyone but facilitators) and
// do is decided there; this only offers the controls that make sense for this person.

import { Session } from "./board.js";

const ANALYSIS_URL = (id) => `/api/v1/maps/${id}/analysis/`;
const TYPE_STYLE = {
  organisation: { colour: "#1d70b8", shape: "round-rectangle" },
  service: { colour: "#00703c", shape: "ellipse" },
  setting: { colour: "#6f3c97", shape: "rectangle" },
  stage: { colour: "#b35900", shape: "hexagon" },
  pressure: { colour: "#d4351c", shape: "triangle" },
  need: { colour: "#28a197", shape: "diamond" },
  resource: { colour: "#505a5f", shape: "barrel" },
};
const MOVES_PER_OP = 250;
const LOOP_COLOURS = { reinforcing: "#d4351c", balancing: "#1d70b8" };

// --- Small helpers -------------------------------------------------------------------------------------------------

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

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function labelOf(list, value) {
  return list.find((item) => item.value === value)?.label ?? value;
}

// --- The map's state, as this person may see it --------------------------------------------------------------------

class MapState {
  constructor(snapshot) {
    this.me = {};
    this.load(snapshot);
  }

  load(s) {
    this.seq = s.seq;
    this.map = s.map;
    this.me = { ...this.me, ...(s.me ?? {}) };
    this.elements = new Map((s.elements ?? []).map((e) => [e.id, e]));
    this.connections = new Map((s.connections ?? []).map((c) => [c.id, c]));
    this.evidence = new Map((s.evidence ?? []).map((v) => [v.id, v]));
    this.findings = new Map((s.findings ?? []).map((f) => [f.id, f]));
    this.comments = new Map((s.comments ?? []).map((c) => [c.id, c]));
  }

  /** Who else has the map open (ephemeral: never stored). */
  presence(items) {
    this.here ??= new Map();
    for (const item of items) {
      if (item.online) this.here.set(item.key, item.name);
      else this.here.delete(item.key);
    }
  }

  evidenceOn(kind, id) {
    return [...this.evidence.values()].filter((v) => v[kind] === id);
  }

  evidenceCounts() {
    const counts = new Map();
    for (const v of this.evidence.values()) if (v.element) counts.set(v.element, (counts.get(v.element) ?? 0) + 1);
    return counts;
  }

  label(id) {
    return this.elements.get(id)?.label ?? "an element";
  }

  /** Apply one event (already in sequence); a note saying what changed, for announcements, or null. */
  apply(event) {
    const d = event.data ?? {};
    const byMe = event.actor === this.me.key;
    const note = (text, extra = {}) => ({ text, byMe, ...extra });
    switch (event.type) {
      case "element.added":
        this.elements.set(d.id, d);
        return note(`“${d.label}” was added to the map.`, { structure: true });
      case "element.updated":
        this.elements.set(d.id, d);
        return note(`“${d.label}” was changed.`, { structure: true });
      case "elements.moved":
        for (const p of d.positions ?? []) {
          const e = this.elements.get(p.id);
          if (e) Object.assign(e, { x: p.x, y: p.y });
        }
        return note(d.positions?.length === 1 ? `“${this.label(d.positions[0].id)}” was moved.` : "Elements were moved.", {
          moved: d.positions ?? [],
        });
      case "element.removed": {
        const label = this.label(d.id);
        this.elements.delete(d.id);
        for (const id of d.connections ?? []) this.connections.delete(id);
        for (const id of d.evidence ?? []) this.evidence.delete(id);
        for (const id of d.comments ?? []) this.comments.delete(id);
        return note(`“${label}” was removed from the map.`, { structure: true });
      }
      case "connection.added":
      case "connection.updated":
        this.connections.set(d.id, d);
        return note(
          `The connection from “${this.label(d.source)}” to “${this.label(d.target)}” was ${
            event.type === "connection.added" ? "added" : "changed"
          }.`,
          { structure: true },
        );
      case "connection.removed": {
        const c = this.connections.get(d.id);
        this.connections.delete(d.id);
        for (const id of d.evidence ?? []) this.evidence.delete(id);
        return note(c ? `The connection from “${this.label(c.source)}” to “${this.label(c.target)}” was removed.` : null, {
          structure: true,
        });
      }
      case "evidence.added":
      case "evidence.updated":
        this.evidence.set(d.id, d);
        return note(event.type === "evidence.added" ? "Evidence was added." : null, { structure: true });
      case "evidence.removed":
        this.evidence.delete(d.id);
        return note(null, { structure: true });
      case "finding.added":
      case "finding.updated":
        this.findings.set(d.id, d);
        return note(event.type === "finding.added" ? `A finding was added: “${d.title}”.` : null);
      case "finding.removed":
        this.findings.delete(d.id);
        for (const id of d.evidence ?? []) this.evidence.delete(id);
        return note(null);
      case "comment.added":
        this.comments.set(d.id, d);
        return note(`${d.author} commented.`);
      case "comment.removed":
        this.comments.delete(d.id);
        return note(null);
      case "map.updated":
        this.map = d;
        return note(null);
      case "map.deleted":
        return note("This map has been removed.", { deleted: true });
      case "map.imported":
        return note("A file was imported into the map.", { resync: true });
      default:
        return null;
    }
  }
}

// --- Connecting the page: the board's session, with this page as its "ui" -----------------------------------------

class LivePage {
  constructor(root, config, state) {
    this.root = root;
    this.config = config;
    this.state = state;
    this.q = (selector) => root.querySelector(selector);
  }

  connect() {
    if (!("WebSocket" in window)) {
      this.setSync("stopped", 0, "This browser cannot keep the map up to date. Reload to see changes.");
      return;
    }
    const closeMessages = {
      4403: "You can no longer see this map live. Reload the page to see why.",
      4404: "This map is not available to you.",
    };
    this.session = new Session({ ...this.config, closeMessages }, this.state, this);
    this.session.connect();
  }

  announce(message) {
    const region = this.q("[data-announce]");
    if (!region || !message) return;
    region.textContent = "";
    window.setTimeout(() => {
      region.textContent = message;
    }, 60);
  }

  setSync(stateName, pending = 0, message = "") {
    const element = this.q("[data-sync]");
    if (!element) return;
    element.dataset.state = stateName;
    const waiting = pending ? ` ${plural(pending, "change")} waiting to be sent.` : "";
    const words = {
      connecting: "Connecting…",
      live: "Live: changes by others appear as they are made",
      reconnecting: `Reconnecting…${waiting}`,
      synced: "Back in sync",
      stopped: message || "Not connected: reload the page.",
    }[stateName];
    const text = this.q("[data-sync-text]");
    if (text) text.textContent = words;
  }

  noted(note) {
    if (note.resync) {
      this.session?.transmit({ type: "hello", since: null });
      return;
    }
    if (note.text && !note.byMe) this.announce(note.text);
  }

  error(message) {
    this.announce(message);
  }

  schedule() {
    if (this.frame) return;
    this.frame = window.requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  afterSnapshot() {}

  render() {}
}

// --- The map page --------------------------------------------------------------------------------------------------

function cyStyle() {
  const nodes = Object.entries(TYPE_STYLE).map(([type, s]) => ({
    selector: `node[type = "${type}"]`,
    style: { "background-color": s.colour, shape: s.shape },
  }));
  return [
    {
      selector: "node",
      style: {
        label: "data(label)",
        "text-valign": "bottom",
        "text-margin-y": 4,
        "text-wrap": "wrap",
        "text-max-width": 130,
        "font-size": 11,
        "font-family": "system-ui, sans-serif",
        color: "#0b0c0c",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.8,
        "text-background-padding": 1,
        width: "data(size)",
        height: "data(size)",
        "border-width": 2,
        "border-color": "#0b0c0c",
        "border-style": "solid",
      },
    },
    ...nodes,
    { selector: "node[evidence = 0]", style: { "border-style": "dashed", "border-color": "#505a5f", "background-opacity": 0.7 } },
    {
      selector: "edge",
      style: {
        width: "data(width)",
        "line-color": "#505a5f",
        "target-arrow-color": "#505a5f",
        "target-arrow-shape": "triangle",
        "curve-style": "bezier",
        "arrow-scale": 1,
        label: "data(sign)",
        "font-size": 12,
        "text-background-color": "#ffffff",
        "text-background-opacity": 1,
      },
    },
    { selector: 'edge[polarity = "-"]', style: { "line-style": "dashed", "line-color": "#942514", "target-arrow-color": "#942514" } },
    { selector: ":selected", style: { "overlay-color": "#ffdd00", "overlay-opacity": 0.45, "overlay-padding": 6 } },
    { selector: ".faded", style: { opacity: 0.15 } },
    { selector: "node.lit", style: { "border-width": 5, "border-color": "#ffdd00", "border-style": "solid" } },
    { selector: "edge.lit", style: { width: 5, "line-color": "#0b0c0c", "target-arrow-color": "#0b0c0c" } },
    { selector: "edge.loop-reinforcing", style: { "line-color": LOOP_COLOURS.reinforcing, "target-arrow-color": LOOP_COLOURS.reinforcing } },
    { selector: "edge.loop-balancing", style: { "line-color": LOOP_COLOURS.balancing, "target-arrow-color": LOOP_COLOURS.balancing } },
    { selector: ".connect-source", style: { "border-width": 6, "border-color": "#ffdd00" } },
  ];
}

function nodeData(e, evidence) {
  return {
    id: `e${e.id}`,
    pk: e.id,
    label: e.label,
    type: e.type,
    sector: e.sector,
    evidence,
    size: 26 + 8 * Math.min(evidence, 6),
  };
}

function edgeData(c) {
  return {
    id: `c${c.id}`,
    pk: c.id,
    source: `e${c.source}`,
    target: `e${c.target}`,
    polarity: c.polarity,
    sign: c.polarity === "-" ? "−" : "",
    width: 1 + c.strength * 0.6,
  };
}

class MapPage extends LivePage {
  constructor(root, config, state, analysis) {
    super(root, config, state);
    this.analysis = analysis;
    this.layout = "saved";
    this.selected = null; // {kind: "element" | "connection", id}
    this.connectFrom = null;
    this.cy = window.cytoscape({
      container: this.q("[data-canvas]"),
      style: cyStyle(),
      wheelSensitivity: 0.3,
      minZoom: 0.1,
      maxZoom: 4,
      autoungrabify: !config.can_edit,
      boxSelectionEnabled: false,
    });
    this.sync();
    this.placeUnplaced();
    this.fitAll();
    this.bind();
    this.renderPanel();
  }

  // Cytoscape mirrors the state: add what is new, update what changed, remove what went.
  sync() {
    const counts = this.state.evidenceCounts();
    const cy = this.cy;
    cy.batch(() => {
      const wanted = new Set();
      for (const e of this.state.elements.values()) {
        const data = nodeData(e, counts.get(e.id) ?? 0);
        wanted.add(data.id);
        const node = cy.getElementById(data.id);
        if (node.empty()) {
          const position = e.x === null || e.y === null ? undefined : { x: e.x, y: e.y };
          cy.add({ group: "nodes", data, position, classes: position ? "" : "unplaced" });
        } else {
          node.data(data);
        }
      }
      for (const c of this.state.connections.values()) {
        if (!this.state.elements.has(c.source) || !this.state.elements.has(c.target)) continue;
        const data = edgeData(c);
        wanted.add(data.id);
        const edge = cy.getElementById(data.id);
        if (edge.nonempty() && (edge.data("source") !== data.source || edge.data("target") !== data.target)) {
          edge.remove();
        }
        if (cy.getElementById(data.id).empty()) cy.add({ group: "edges", data });
        else edge.data(data);
      }
      cy.elements().forEach((item) => {
        if (!wanted.has(item.id())) item.remove();
      });
    });
    const count = this.q("[data-count]");
    if (count) {
      count.textContent = `${plural(this.state.elements.size, "element")}, ${plural(this.state.connections.size, "connection")}`;
    }
    this.applyView();
  }

  /** Everything shown in view, but a small map no larger than life. */
  fitAll() {
    this.cy.fit(this.cy.elements(":visible"), 30);
    if (this.cy.zoom() > 1.5) {
      this.cy.zoom(1.5);
      this.cy.center(this.cy.elements(":visible"));
    }
  }

  /** Elements never placed: in a row under the rest. */
  placeUnplaced() {
    const unplaced = this.cy.nodes(".unplaced");
    if (unplaced.empty()) return;
    const placed = this.cy.nodes().not(".unplaced");
    const box = placed.nonempty() ? placed.boundingBox() : { x1: 0, y2: 0 };
    unplaced.forEach((node, index) => {
      node.position({ x: box.x1 + (index % 8) * 160, y: box.y2 + 120 + Math.floor(index / 8) * 110 });
      node.removeClass("unplaced");
    });
  }

  bind() {
    const cy = this.cy;
    cy.on("tap", "node", (event) => this.tapNode(event.target));
    cy.on("tap", "edge", (event) => this.select({ kind: "connection", id: event.target.data("pk") }));
    cy.on("tap", (event) => {
      if (event.target === cy) {
        this.connectFrom = null;
        cy.nodes().removeClass("connect-source");
        this.select(null);
      }
    });
    cy.on("dragfree", "node", (event) => {
      if (!this.config.can_edit) return;
      const node = event.target;
      const { x, y } = node.position();
      const element = this.state.elements.get(node.data("pk"));
      if (element) Object.assign(element, { x: Math.round(x), y: Math.round(y) });
      this.session?.op("element.move", { element: node.data("pk"), x: Math.round(x), y: Math.round(y) });
      this.announce(`“${node.data("label")}” moved. Its position is saved.`);
    });
    this.q("[data-layout]")?.addEventListener("change", (event) => this.runLayout(event.target.value));
    this.q("[data-lens]")?.addEventListener("change", () => this.lensChanged());
    for (const input of this.root.querySelectorAll("[data-filter-type], [data-filter-sector], [data-filter-evidence]")) {
      input.addEventListener("change", () => this.applyView());
    }
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (!button || !this.root.contains(button)) return;
      this.act(button.dataset.action, button);
    });
    this.q("[data-add-element]")?.addEventListener("submit", (event) => {
      event.preventDefault();
      this.addElement(event.target);
    });
    this.root.addEventListener("submit", (event) => {
      const form = event.target.closest("[data-edit-form]");
      if (!form) return;
      event.preventDefault();
      this.saveEdit(form);
    });
    window.addEventListener("resize", () => cy.resize());
  }

  act(action, button) {
    const cy = this.cy;
    const centre = { x: cy.width() / 2, y: cy.height() / 2 };
    if (action === "zoom-in") cy.zoom({ level: Math.min(4, cy.zoom() * 1.25), renderedPosition: centre });
    else if (action === "zoom-out") cy.zoom({ level: Math.max(0.1, cy.zoom() / 1.25), renderedPosition: centre });
    else if (action === "fit") this.fitAll();
    else if (action === "clear-filters") {
      for (const box of this.root.querySelectorAll("[data-filter-type]")) box.checked = true;
      this.q("[data-filter-sector]").value = "";
      this.q("[data-filter-evidence]").value = "";
      this.applyView();
    } else if (action === "save-layout") this.saveLayout(button);
    else if (action === "connect-from") this.startConnecting();
    else if (action === "remove-element") this.removeSelected("element");
    else if (action === "remove-connection") this.removeSelected("connection");
    else if (action === "cancel-connect") {
      this.connectFrom = null;
      cy.nodes().removeClass("connect-source");
      this.renderPanel();
    }
  }

  // --- Layouts ---

  runLayout(name) {
    this.layout = name;
    const saveButton = this.q('[data-action="save-layout"]');
    if (name === "saved") {
      this.cy.batch(() => {
        for (const e of this.state.elements.values()) {
          if (e.x !== null && e.y !== null) this.cy.getElementById(`e${e.id}`).position({ x: e.x, y: e.y });
        }
      });
      this.placeUnplaced();
      this.fitAll();
      if (saveButton) saveButton.hidden = true;
      this.announce("Showing the saved positions.");
      return;
    }
    const options = {
      cose: { name: "cose", animate: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 90, randomize: false },
      breadthfirst: { name: "breadthfirst", directed: true, spacingFactor: 1.1 },
      circle: { name: "circle" },
      grid: { name: "grid", avoidOverlap: true },
    }[name];
    if (!options) return;
    this.cy.layout({ ...options, fit: true, padding: 30 }).run();
    if (saveButton) saveButton.hidden = false;
    this.announce("Layout changed. It is only on your screen until you save these positions.");
  }

  saveLayout(button) {
    const positions = this.cy.nodes().map((node) => ({
      id: node.data("pk"),
      x: Math.round(node.position("x")),
      y: Math.round(node.position("y")),
    }));
    if (!positions.length) return;
    for (const p of positions) Object.assign(this.state.elements.get(p.id) ?? {}, { x: p.x, y: p.y });
    // In parts: a websocket message is limited to 16 KB (collab/consumers.py), about 400 positions.
    for (let start = 0; start < positions.length; start += MOVES_PER_OP) {
      this.session?.op("elements.move", { positions: positions.slice(start, start + MOVES_PER_OP) });
    }
    this.layout = "saved";
    this.q("[data-layout]").value = "saved";
    button.hidden = true;
    this.announce("These positions are saved for everyone.");
  }

  // --- Filters and lenses ---

  filters() {
    const types = new Set([...this.root.querySelectorAll("[data-filter-type]:checked")].map((box) => box.value));
    return {
      types,
      sector: this.q("[data-filter-sector]")?.value ?? "",
      evidence: this.q("[data-filter-evidence]")?.value ?? "",
      allTypes: types.size === this.root.querySelectorAll("[data-filter-type]").length,
    };
  }

  applyView() {
    const f = this.filters();
    const cy = this.cy;
    let hidden = 0;
    cy.batch(() => {
      cy.nodes().forEach((node) => {
        const d = node.data();
        const visible =
          f.types.has(d.type) &&
          (f.sector === "" || (f.sector === "-" ? !d.sector : d.sector === f.sector)) &&
          (f.evidence === "" || (f.evidence === "with" ? d.evidence > 0 : d.evidence === 0));
        node.style("display", visible ? "element" : "none");
        if (!visible) hidden += 1;
      });
    });
    const count = this.q("[data-filter-count]");
    if (count) count.textContent = hidden ? ` (${plural(hidden, "element")} hidden)` : "";
    this.applyLens();
  }

  async lensChanged() {
    const lens = this.q("[data-lens]").value;
    if (lens && this.analysis.seq !== this.state.seq) {
      try {
        const response = await fetch(ANALYSIS_URL(this.state.map.id), { credentials: "same-origin" });
        if (response.ok) this.analysis = await response.json();
      } catch {
        // offline: the analysis of when the page was loaded still serves
      }
    }
    this.applyLens(true);
  }

  applyLens(say = false) {
    const lens = this.q("[data-lens]")?.value ?? "";
    const cy = this.cy;
    const a = this.analysis;
    const note = this.q("[data-lens-note]");
    cy.elements().removeClass("faded lit loop-reinforcing loop-balancing");
    if (!lens) {
      if (note) note.hidden = true;
      return;
    }
    const nodes = new Set();
    const edges = new Map(); // edge id → class
    let words = "";
    if (lens === "loops" || lens === "reinforcing" || lens === "balancing") {
      const loops = a.loops.items.filter((loop) => lens === "loops" || loop.kind === lens);
      for (const loop of loops) {
        loop.elements.forEach((id) => nodes.add(id));
        for (const id of loop.connections) {
          if (edges.get(id) !== "loop-reinforcing") edges.set(id, `loop-${loop.kind}`);
        }
      }
      const kind = lens === "loops" ? "feedback loop" : `${lens} loop`;
      words = `${plural(loops.length, kind)} highlighted: red connections are in reinforcing loops, blue in balancing loops.`;
      if (a.loops.cut) words += ` The list is cut at ${a.loops.max_loops} loops, shortest first.`;
    } else if (lens === "central") {
      a.central.items.forEach((item) => nodes.add(item.element));
      words = `The ${plural(a.central.items.length, "element")} most paths between others run through are highlighted.`;
    } else if (lens === "no-evidence") {
      a.without_evidence.elements.forEach((id) => nodes.add(id));
      words = `${plural(a.without_evidence.elements.length, "element")} without evidence highlighted.`;
    } else if (lens === "isolated") {
      a.isolated.forEach((id) => nodes.add(id));
      words = `${plural(a.isolated.length, "element")} with no connection highlighted.`;
    } else if (lens === "journey") {
      a.journey.stages.forEach((s) => nodes.add(s.element));
      a.journey.connections.forEach((id) => edges.set(id, "lit"));
      const names = a.journey.stages.map((s) => this.state.label(s.element));
      words = names.length ? `The child's journey: ${names.join(" → ")}.` : "No stages of the child's journey yet.";
      if (a.journey.gaps.length) words += ` ${plural(a.journey.gaps.length, "gap")} where nothing joins one stage to the next.`;
    }
    cy.batch(() => {
      cy.elements().addClass("faded");
      for (const id of nodes) cy.getElementById(`e${id}`).removeClass("faded").addClass("lit");
      for (const [id, cls] of edges) cy.getElementById(`c${id}`).removeClass("faded").addClass(cls);
    });
    if (note) {
      note.hidden = false;
      note.textContent = words;
    }
    if (say) this.announce(words);
  }

  // --- Selection, details and changes in place ---

  tapNode(node) {
    const id = node.data("pk");
    if (this.connectFrom !== null && this.connectFrom !== id) {
      this.session?.op("connection.add", { source: this.connectFrom, target: id });
      this.announce(`Connection from “${this.state.label(this.connectFrom)}” to “${this.state.label(id)}” added.`);
      this.connectFrom = null;
      this.cy.nodes().removeClass("connect-source");
    }
    this.select({ kind: "element", id });
  }

  startConnecting() {
    if (!this.selected || this.selected.kind !== "element") return;
    this.connectFrom = this.selected.id;
    this.cy.getElementById(`e${this.connectFrom}`).addClass("connect-source");
    this.renderPanel();
    this.announce(`Now select the element the connection from “${this.state.label(this.connectFrom)}” goes to.`);
  }

  select(selected) {
    this.selected = selected;
    this.renderPanel();
  }

  removeSelected(kind) {
    if (!this.selected) return;
    const id = this.selected.id;
    const what =
      kind === "element"
        ? `Remove “${this.state.label(id)}” and its connections from the map?`
        : "Remove this connection from the map?";
    if (!window.confirm(what)) return;
    this.session?.op(`${kind}.remove`, { [kind]: id });
    this.select(null);
  }

  addElement(form) {
    const label = form.querySelector("[data-new-label]");
    const error = form.querySelector("[data-new-error]");
    const text = label.value.trim();
    if (!text) {
      error.hidden = false;
      error.textContent = "Give the element a label.";
      label.setAttribute("aria-invalid", "true");
      label.focus();
      return;
    }
    error.hidden = true;
    label.removeAttribute("aria-invalid");
    const extent = this.cy.extent();
    const x = Math.round((extent.x1 + extent.x2) / 2 + (Math.random() - 0.5) * 60);
    const y = Math.round((extent.y1 + extent.y2) / 2 + (Math.random() - 0.5) * 60);
    this.session?.op("element.add", {
      label: text,
      type: form.querySelector("[data-new-type]").value,
      sector: form.querySelector("[data-new-sector]").value,
      x,
      y,
    });
    this.announce(`“${text}” is being added in the middle of the view.`);
    label.value = "";
    label.focus();
  }

  saveEdit(form) {
    const kind = form.dataset.editForm;
    const values = Object.fromEntries(new FormData(form).entries());
    if (kind === "element") {
      if (!values.label.trim()) {
        this.fieldError(form, "label", "Give the element a label.");
        return;
      }
      this.session?.op("element.update", {
        element: this.selected.id,
        label: values.label.trim(),
        type: values.type,
        sector: values.sector,
        description: values.description,
      });
    } else {
      this.session?.op("connection.update", {
        connection: this.selected.id,
        type: values.type,
        polarity: values.polarity,
        strength: Number(values.strength),
        note: values.note,
      });
    }
    this.announce("Saved.");
  }

  fieldError(form, name, message) {
    const input = form.querySelector(`[name="${name}"]`);
    const error = form.querySelector(`[data-error-for="${name}"]`);
    input.setAttribute("aria-invalid", "true");
    error.hidden = false;
    error.textContent = message;
    input.focus();
  }

  error(message, op) {
    const box = this.q("[data-panel-error]");
    if (box) {
      box.hidden = false;
      box.textContent = `Not saved: ${message}`;
    }
    this.announce(`${op ? "Not saved: " : ""}${message}`);
  }

  field(label, control, name) {
    const id = `smap-edit-${name}`;
    control.id = id;
    control.name = name;
    control.setAttribute("aria-describedby", `${id}-error`);
    return h(
      "div",
      { class: "field" },
      h("label", { class: "label", for: id, text: label }),
      h("p", { class: "error-message", id: `${id}-error`, "data-error-for": name, hidden: true }),
      control,
    );
  }

  select_(options, value) {
    const select = h("select");
    for (const o of options) select.append(h("option", { value: o.value, text: o.label, selected: o.value === value }));
    return select;
  }

  evidenceList(items) {
    if (!items.length) return h("p", { class: "secondary", text: "No evidence is attached yet." });
    const kinds = this.config.evidence_kinds;
    const sources = this.config.source_kinds;
    return h(
      "ul",
      { class: "smap-evidence" },
      items.map((v) => {
        if (v.hidden) return h("li", { class: "smap-evidence__hidden", text: "Sensitive evidence: only facilitators see it." });
        const head = [labelOf(kinds, v.kind), labelOf(sources, v.source_kind), v.attribution].filter(Boolean).join(" · ");
        const count = v.count_display ? `${v.count_display}: ` : "";
        return h(
          "li",
          {},
          h("p", { class: "smap-evidence__head", text: `${head}${v.sensitive ? " · sensitive" : ""}` }),
          h("p", { text: `${count}${v.text}` }),
        );
      }),
    );
  }

  renderPanel() {
    const box = this.q("[data-selection]");
    const s = this.selected;
    const canEdit = this.config.can_edit;
    const element = s?.kind === "element" ? this.state.elements.get(s.id) : null;
    const connection = s?.kind === "connection" ? this.state.connections.get(s.id) : null;
    if (s && !element && !connection) this.selected = null;
    const active = document.activeElement;
    const typing = active && box.contains(active) && active.matches("input, textarea, select");
    if (typing && this.renderedFor === JSON.stringify(this.selected)) return; // keep what the person is typing
    this.renderedFor = JSON.stringify(this.selected);
    this.cy.elements().unselect();
    const parts = [];
    if (this.connectFrom !== null) {
      parts.push(
        h(
          "div",
          { class: "panel panel--warning smap__connecting" },
          h("p", { text: `Connecting from “${this.state.label(this.connectFrom)}”: select the element it goes to.` }),
          h("button", { type: "button", class: "button button--secondary button--small", "data-action": "cancel-connect", text: "Cancel" }),
        ),
      );
    }
    parts.push(h("p", { class: "error-message", "data-panel-error": true, hidden: true, role: "alert" }));
    if (element) {
      this.cy.getElementById(`e${element.id}`).select();
      const evidence = this.state.evidenceOn("element", element.id);
      parts.push(
        h("h2", { class: "smap__panel-title", text: element.label }),
        h("p", {
          class: "secondary",
          text: [labelOf(this.config.types, element.type), element.sector ? labelOf(this.config.sectors, element.sector) : ""]
            .filter(Boolean)
            .join(" · "),
        }),
        element.description ? h("p", { text: element.description }) : null,
        element.tags?.length ? h("p", { class: "secondary", text: `Tags: ${element.tags.join(", ")}` }) : null,
        h("h3", { class: "smap__panel-subtitle", text: `Evidence (${evidence.length})` }),
        this.evidenceList(evidence),
      );
      if (canEdit) {
        const label = h("input", { type: "text", value: element.label, maxlength: 200, required: true });
        const description = h("textarea", { rows: 3 });
        description.value = element.description ?? "";
        const sectors = [{ value: "", label: "No particular sector" }, ...this.config.sectors];
        parts.push(
          h(
            "div",
            { class: "smap__actions" },
            h("button", { type: "button", class: "button button--small", "data-action": "connect-from", text: "Connect to another element" }),
            h("button", { type: "button", class: "button button--warning button--small", "data-action": "remove-element", text: "Remove" }),
          ),
          h(
            "details",
            { class: "smap__edit" },
            h("summary", { text: "Change this element" }),
            h(
              "form",
              { "data-edit-form": "element", class: "smap__form", novalidate: true },
              this.field("Label", label, "label"),
              this.field("Type", this.select_(this.config.types, element.type), "type"),
              this.field("Sector", this.select_(sectors, element.sector), "sector"),
              this.field("Description", description, "description"),
              h("button", { type: "submit", class: "button button--small", text: "Save" }),
            ),
          ),
        );
      }
    } else if (connection) {
      this.cy.getElementById(`c${connection.id}`).select();
      const evidence = this.state.evidenceOn("connection", connection.id);
      parts.push(
        h("h2", { class: "smap__panel-title", text: `${this.state.label(connection.source)} → ${this.state.label(connection.target)}` }),
        h("p", {
          class: "secondary",
          text: `${labelOf(this.config.connection_types, connection.type)} · ${labelOf(this.config.polarities, connection.polarity)} · strength ${connection.strength} of 5`,
        }),
        connection.note ? h("p", { text: connection.note }) : null,
        h("h3", { class: "smap__panel-subtitle", text: `Evidence (${evidence.length})` }),
        this.evidenceList(evidence),
      );
      if (canEdit) {
        const strengths = [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: String(n) }));
        const note = h("textarea", { rows: 2 });
        note.value = connection.note ?? "";
        parts.push(
          h(
            "div",
            { class: "smap__actions" },
            h("button", { type: "button", class: "button button--warning button--small", "data-action": "remove-connection", text: "Remove" }),
          ),
          h(
            "details",
            { class: "smap__edit" },
            h("summary", { text: "Change this connection" }),
            h(
              "form",
              { "data-edit-form": "connection", class: "smap__form", novalidate: true },
              this.field("Type", this.select_(this.config.connection_types, connection.type), "type"),
              this.field("Polarity", this.select_(this.config.polarities, connection.polarity), "polarity"),
              this.field("Strength", this.select_(strengths, String(connection.strength)), "strength"),
              this.field("Note", note, "note"),
              h("button", { type: "submit", class: "button button--small", text: "Save" }),
            ),
          ),
        );
      }
    } else {
      parts.push(
        h("p", {
          class: "secondary",
          "data-nothing-selected": true,
          text: `Select an element or a connection to see its details and evidence.${
            canEdit ? " Drag elements to move them: their positions are saved for everyone." : ""
          }`,
        }),
      );
    }
    box.replaceChildren(...parts.filter(Boolean));
  }

  noted(note, event) {
    super.noted(note, event);
    if (note.deleted) this.session?.stop("This map has been removed.");
  }

  render() {
    this.sync();
    if (this.layout !== "saved") return;
    // Positions others saved: move there, unless this person is holding the element.
    this.cy.batch(() => {
      for (const e of this.state.elements.values()) {
        const node = this.cy.getElementById(`e${e.id}`);
        if (node.empty() || node.grabbed() || e.x === null || e.y === null) continue;
        const p = node.position();
        if (Math.abs(p.x - e.x) > 0.5 || Math.abs(p.y - e.y) > 0.5) node.position({ x: e.x, y: e.y });
      }
    });
    this.placeUnplaced();
    this.renderPanel();
  }

  afterSnapshot() {
    this.render();
  }
}

// --- The table view: the same live connection, saying what changed ------------------------------------------------

class TablePage extends LivePage {
  // This page changes nothing over the connection (its forms reload it), so every change came from elsewhere:
  // another person, or this person in another window.
  noted(note) {
    super.noted({ ...note, byMe: false });
    if (note.structure) {
      const reload = this.q("[data-reload]");
      if (reload) reload.hidden = false;
    }
  }
}

// --- Present mode ----------------------------------------------------------------------------------------------------

class Presenter {
  constructor(root, config, state, steps) {
    this.root = root;
    this.config = config;
    this.state = state;
    this.steps = steps;
    this.index = 0;
    this.q = (selector) => root.querySelector(selector);
    const counts = state.evidenceCounts();
    const elements = [...state.elements.values()].map((e) => ({
      group: "nodes",
      data: nodeData(e, counts.get(e.id) ?? 0),
      position: { x: e.x ?? 0, y: e.y ?? 0 },
    }));
    const edges = [...state.connections.values()].map((c) => ({ group: "edges", data: edgeData(c) }));
    this.cy = window.cytoscape({
      container: this.q("[data-canvas]"),
      elements: [...elements, ...edges],
      layout: { name: "preset" }, // the saved positions (Cytoscape's default on start is a grid)
      style: cyStyle(),
      autoungrabify: true,
      boxSelectionEnabled: false,
      minZoom: 0.1,
      maxZoom: 2.2, // a step of two or three elements fills the screen without looking enormous
    });
    const unplaced = [...state.elements.values()].some((e) => e.x === null || e.y === null);
    if (unplaced) this.cy.layout({ name: "cose", animate: false }).run();
    this.bind();
    this.show(0, false);
  }

  bind() {
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (!button) return;
      if (button.dataset.action === "next") this.show(this.index + 1);
      else if (button.dataset.action === "previous") this.show(this.index - 1);
      else if (button.dataset.action === "fullscreen") this.toggleFullscreen();
    });
    document.addEventListener("keydown", (event) => {
      if (event.target.closest("input, textarea, select, summary")) return;
      const keys = {
        ArrowRight: () => this.show(this.index + 1),
        ArrowDown: () => this.show(this.index + 1),
        PageDown: () => this.show(this.index + 1),
        " ": () => this.show(this.index + 1),
        ArrowLeft: () => this.show(this.index - 1),
        ArrowUp: () => this.show(this.index - 1),
        PageUp: () => this.show(this.index - 1),
        Home: () => this.show(0),
        End: () => this.show(this.steps.length - 1),
        // Browsers leave full screen on Escape themselves; this covers those that pass the key to the page.
        Escape: () => document.fullscreenElement && document.exitFullscreen?.(),
      };
      const run = keys[event.key];
      if (!run || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === " " && event.target.closest("button, a")) return; // space presses a focused button
      event.preventDefault();
      run();
    });
    document.addEventListener("fullscreenchange", () => {
      const full = document.fullscreenElement === this.root;
      this.root.classList.toggle("is-fullscreen", full);
      this.q('[data-action="fullscreen"]').setAttribute("aria-pressed", String(full));
      this.q('[data-action="fullscreen"]').textContent = full ? "Leave full screen" : "Full screen";
      window.setTimeout(() => {
        this.cy.resize();
        this.frame(false);
      }, 50);
    });
    window.addEventListener("resize", () => {
      this.cy.resize();
      this.frame(false);
    });
  }

  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else this.root.requestFullscreen?.().catch(() => this.announce("This browser would not go full screen."));
  }

  announce(message) {
    const region = this.q("[data-announce]");
    region.textContent = "";
    window.setTimeout(() => {
      region.textContent = message;
    }, 60);
  }

  show(index, say = true) {
    if (!this.steps.length) return;
    const next = Math.max(0, Math.min(this.steps.length - 1, index));
    if (say && next === this.index && index !== this.index) {
      this.announce(index > this.index ? "That was the last step." : "This is the first step.");
      return;
    }
    this.index = next;
    const step = this.steps[next];
    const shown = new Set(step.elements);
    this.cy.batch(() => {
      this.cy.nodes().forEach((node) => {
        node.style("display", shown.has(node.data("pk")) ? "element" : "none");
      });
      this.cy.elements().removeClass("lit");
      if (step.focus) this.cy.getElementById(`e${step.focus}`).addClass("lit");
    });
    this.q("[data-step-title]").textContent = step.title;
    this.q("[data-step-caption]").textContent = step.caption;
    this.q("[data-step-count]").textContent = `Step ${next + 1} of ${this.steps.length}`;
    const list = this.q("[data-step-elements]");
    list.replaceChildren(...step.elements.map((id) => h("li", { text: this.state.label(id) })));
    this.q('[data-action="previous"]').disabled = next === 0;
    this.q('[data-action="next"]').disabled = next === this.steps.length - 1;
    this.frame(true);
    if (say) this.announce(`Step ${next + 1} of ${this.steps.length}: ${step.title}. ${step.caption}`);
  }

  frame(animate) {
    const step = this.steps[this.index];
    if (!step) return;
    const focus = step.focus ? this.cy.getElementById(`e${step.focus}`) : null;
    const target = focus && focus.nonempty() ? focus.closedNeighborhood(":visible") : this.cy.elements(":visible");
    if (target.empty()) return;
    this.cy.stop(true); // a step's animation still running would end where the old frame was
    if (animate) this.cy.animate({ fit: { eles: target, padding: 40 }, duration: 400 });
    else this.cy.fit(target, 40);
  }
}

// --- Start -----------------------------------------------------------------------------------------------------------

function start() {
  const config = readJson("map-config");
  if (!config) return;
  const mapRoot = document.querySelector("[data-map-app]");
  const presentRoot = document.querySelector("[data-present-app]");
  const tableRoot = document.querySelector("[data-map-table]");
  if (presentRoot) {
    const state = new MapState(readJson("map-state"));
    new Presenter(presentRoot, config, state, readJson("map-steps") ?? []);
  } else if (mapRoot) {
    if (!window.cytoscape) {
      mapRoot.querySelector("[data-canvas]").textContent = "The map could not be drawn here: use the table view.";
      return;
    }
    const state = new MapState(readJson("map-state"));
    const page = new MapPage(mapRoot, config, state, readJson("map-analysis"));
    window.systemMap = page; // for people who script their browser, and for the browser tests
    page.connect();
  } else if (tableRoot) {
    const state = new MapState(readJson("map-state") ?? { seq: readJson("map-seq") ?? 0 });
    new TablePage(tableRoot, config, state).connect();
  }
}

// Cytoscape is a classic script loaded with `defer`: it has run once the document has been parsed, as modules have.
if (typeof document !== "undefined") start();

export { MapState };
