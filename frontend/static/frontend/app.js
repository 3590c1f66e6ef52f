// The pages' only script: moves focus to an error summary, and keeps the workspace's live connection open,
// showing its state in the header. Loaded as an ES module; no inline script, so a strict CSP can apply.

const UNAUTHENTICATED = 4401; // collab.consumers.CLOSE_UNAUTHENTICATED
const PING_EVERY_MS = 25_000;
const MAX_DELAY_MS = 30_000;

function focusErrorSummary() {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
}

function liveStatus(element) {
  const text = element.querySelector("[data-live-text]");
  let attempt = 0;
  let pinger = null;

  const show = (state, words) => {
    element.dataset.state = state;
    text.textContent = `Live: ${words}`;
  };

  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/workspace/`);

    socket.addEventListener("open", () => {
      attempt = 0;
      show("connected", "connected");
      pinger = window.setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping", id: Date.now() }));
      }, PING_EVERY_MS);
    });

    socket.addEventListener("close", (event) => {
      window.clearInterval(pinger);
      if (event.code === UNAUTHENTICATED) {
        show("offline", "signed out");
        return;
      }
      show("reconnecting", "reconnecting");
      // Back off: 1 s, 2 s, 4 s … up to 30 s, with a little jitter so many tabs do not return at once.
      const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) + Math.random() * 500;
      attempt += 1;
      window.setTimeout(connect, delay);
    });
  };

  connect();
}

// A form marked data-autosave (the progress update) keeps a draft on the server while the person types: a few
// seconds after the last change it posts the form with action=draft. Without script, "Save draft" does the same.
const AUTOSAVE_AFTER_MS = 3000;

function autosave(form) {
  const note = form.querySelector("[data-autosave-status]");
  let timer = null;
  let saving = false;

  const save = async () => {
    if (saving) return;
    saving = true;
    const data = new FormData(form);
    data.set("action", "draft");
    try {
      // getAttribute, not form.action: the form's buttons are named "action" and would shadow the property.
      const response = await fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: data,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      if (note) note.textContent = response.ok ? await response.text() : "Your draft could not be saved just now.";
    } catch {
      if (note) note.textContent = "No connection: your draft was not saved. It is tried again when you next type.";
    } finally {
      saving = false;
    }
  };

  const later = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, AUTOSAVE_AFTER_MS);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", () => window.clearTimeout(timer));
}

focusErrorSummary();
document.querySelectorAll("form[data-autosave]").forEach(autosave);
const status = document.querySelector("[data-live-status]");
if (status && "WebSocket" in window) liveStatus(status);
