// Planning V2: wires the store, the live channel and the views together.
import { Actions } from "./actions.js";
import { Alerts } from "./alerts.js";
import { Board, sortedPrinters } from "./board.js";
import { DebugPanel } from "./debug.js";
import { PrinterDrawer, printerInHash } from "./drawer.js";
import { Filter, PRINTER_FILTERS, QUEUE_FILTERS } from "./filters.js";
import { ATTENTION, CONDITIONS, condition } from "./labels.js";
import { Live } from "./live.js";
import { Prefs } from "./prefs.js";
import { HistoryTable, QueueTable } from "./tables.js";
import { Timeline } from "./timeline.js";
import { Store } from "./store.js";
import { api, clock, config, debounce, esc, fmt, gettext, now, throttle } from "./util.js";
import { WallDisplay } from "./wall.js";

const $ = (id) => document.getElementById(id);
const store = new Store();
const prefs = new Prefs("page", { view: "cards", group: "", zoom: 24, collapsed: [] });
const filter = new Filter(store.names, prefs);
const wallMode = config.display === "wall";

const actions = new Actions(store, { dialog: $("action-dialog"), bar: $("selection-bar") });
const decorate = (root) => actions.fill(root);
const board = new Board(store, $("board"), {
  filter, names: store.names, count: $("board-count"), onOpen: (spId, opener) => drawer.open(spId, opener), decorate,
});
const drawer = new PrinterDrawer(store, $("printer-drawer"), { names: store.names, board, decorate });
const timeline = new Timeline(store, $("timeline"), {
  zoom: $("timeline-window"), follow: $("timeline-follow"), earlier: $("timeline-earlier"),
  later: $("timeline-later"), detail: $("timeline-detail"), board, prefs,
  onOpen: (spId, opener) => drawer.open(spId, opener),
});
const queue = new QueueTable(store, $("queue").querySelector("tbody"), $("queue-count"), filter, decorate);
const history = new HistoryTable(store, $("history").querySelector("tbody"),
  { printer: $("history-printer"), status: $("history-status"), file: $("history-file") });
const alerts = new Alerts(store, { button: $("alerts-btn"), panel: $("alerts-panel") });
const wall = wallMode ? new WallDisplay({
  board, timeline, area: $("board-body"), timelineArea: $("timeline-body"),
  pageLabel: $("board-page"), clockLabel: $("wall-clock"),
}) : null;

let projection = null;

function showProjection(result) {
  projection = result;
  timeline.setProjection(projection);
  queue.setProjection(projection);
  actions.setProjection(projection);
  renderSummary();
}

// The projection is computed by the server (apps/planning/schedule.py, one tested
// implementation); the page asks for it once the snapshot is in (the cards need only the
// snapshot), then at most once a second when the farm changes.
const refreshSchedule = throttle(async () => {
  try {
    showProjection(await api(config.schedule));
  } catch (error) {
    console.warn("schedule:", error.message);
  }
}, 1000);

// The attention chips: what needs a person, each a one-click filter.
const CHIPS = [
  ["failed", "❌", () => gettext("Failed")],
  ["ai_flagged", "🤖", () => gettext("AI-flagged")],
  ["offline", "🔌", () => gettext("Offline")],
  ["bed_to_clear", "🧹", () => gettext("Bed to clear")],
  ["paused", "⏸️", () => gettext("Paused")],
  ["approval", "⏳", () => gettext("Awaiting approval")],
];

function count(key) {
  if (QUEUE_FILTERS[key]) return [...store.queue.values()].filter(QUEUE_FILTERS[key]).length;
  return [...store.printers.values()].filter(PRINTER_FILTERS[key]).length;
}

/** "Next free": a printer free now, or the one that is free first (end of its job plus the
 * bed clearing). When the queue runs out is another figure, with its own words. */
function nextFree() {
  if (!projection) return "";
  const plans = projection.printers.filter((p) => p.available && p.free_from);
  const name = (id) => esc(store.printers.get(id)?.name || `#${id}`);
  const freeNow = plans.filter((p) => p.free_from <= now() + 60);
  let text;
  if (freeNow.length) {
    text = fmt(gettext("free now: %(n)s (%(names)s)"), { n: freeNow.length, names: freeNow.slice(0, 3).map((p) => name(p.sp_id)).join(", ") + (freeNow.length > 3 ? "…" : "") });
  } else {
    const next = [...plans].sort((a, b) => a.free_from - b.free_from)[0];
    text = next ? fmt(gettext("next free: %(name)s at %(time)s"), { name: name(next.sp_id), time: clock(next.free_from) }) : gettext("no printer can take work");
  }
  const runsOut = projection.printers.filter((p) => p.available && p.free_at && p.blocks.some((b) => b.kind === "queue")).sort((a, b) => a.free_at - b.free_at)[0];
  const out = runsOut ? `<span class="pill" data-testid="queue-runs-out">📭 ${fmt(gettext("queued work runs out first on %(name)s at %(time)s"), { name: name(runsOut.sp_id), time: clock(runsOut.free_at) })}</span>` : "";
  return `<span class="pill" data-testid="next-free">🟢 ${text}</span>${out}`;
}

function renderSummary() {
  const chips = CHIPS.map(([key, icon, label]) => {
    const n = count(key);
    const active = filter.show === key;
    return `<button type="button" class="chip${n ? " hot" : ""}${active ? " active" : ""}" data-show="${key}" aria-pressed="${active}" data-testid="chip-${key}"><b>${n}</b> ${icon} ${esc(label())}</button>`;
  }).join("");
  const counts = {};
  for (const printer of store.printers.values()) counts[printer.condition] = (counts[printer.condition] || 0) + 1;
  const calm = ["printing", "ready", "out_of_order", "downloading", "cancelling", "unknown", "error", "cancelled"]
    .filter((key) => counts[key]).map((key) => {
      const c = condition(key);
      return `<span class="pill ${c.cls}"><b>${counts[key]}</b>${c.icon} ${esc(c.label)}</span>`;
    }).join("");
  $("summary").innerHTML = `<div class="chips" role="group" aria-label="${esc(gettext("Needs a person"))}">
      <button type="button" class="chip all${filter.show ? "" : " active"}" data-show="" aria-pressed="${!filter.show}" data-testid="chip-all">${gettext("All")}</button>
      <button type="button" class="chip${filter.show === "attention" ? " active" : ""}" data-show="attention" aria-pressed="${filter.show === "attention"}" data-testid="chip-attention"><b>${alerts.count}</b> 👀 ${gettext("Needs a person")}</button>${chips}</div>
    <div class="pills">${calm}<span class="pill"><b>${store.queue.size}</b>📋 ${gettext("in the queue")}</span>${nextFree()}</div>`;
}

const renderHistory = throttle(() => history.render(), 300);
const renderQueue = throttle(() => queue.render(), 300);
const renderSummarySoon = throttle(renderSummary, 500);

function applyFilter() {
  board.render();
  timeline.render();
  queue.render();
  renderSummary();
  if ($("board-search").value !== filter.q) $("board-search").value = filter.q;
  $("board-state").value = filter.show;
  $("board-sort").checked = filter.sort === "attention";
  for (const button of $("board-view").querySelectorAll("[data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === filter.view));
  }
  $("board-group").value = filter.group;
}

/** After the board is painted: what is below it (a snapshot of 200 printers and 500 queue
 * items paints its first cards before the queue and the history are built). */
function afterPaint(work) {
  requestAnimationFrame(() => setTimeout(work, 0));
}

const debugPanel = new DebugPanel(store, null, $("debug"));
const live = new Live(store, {
  onState: showConnection,
  onMessage: (message) => debugPanel.record(message.type === "snapshot"
    ? { type: "snapshot", seq: message.seq, printers: message.data.printers.rows.length, queue: message.data.queue.rows.length }
    : message),
  onPong: (message) => debugPanel.onPong(message),
});
live.onHeartbeat = (beat) => {
  board.staleAfter = beat.stale_after ?? board.staleAfter;
  if (beat.mode && beat.mode !== currentMode) { showMode(beat.mode); loadHealth(); }
};
debugPanel.live = live;
debugPanel.onWebhooksChanged = () => loadHealth(true);

store.on((kind, data) => {
  drawer.changed(kind, data);
  switch (kind) {
    case "snapshot":
      alerts.snapshot();
      board.render();
      renderSummary();
      afterPaint(() => {
        history.fillPrinters();
        history.render();
        queue.render();
        debugPanel.renderEvents();
        if (projection) timeline.render();
      });
      refreshSchedule();
      break;
    case "printer.updated":
      alerts.printer(data);
      if (board.root.querySelector(`[data-id="${data.sp_id}"]`)) board.update(data);
      else { board.render(); history.fillPrinters(); }
      renderSummarySoon();
      renderHistory();
      refreshSchedule();
      break;
    case "job.updated":
      renderHistory();
      refreshSchedule();
      break;
    case "queue.updated":
      alerts.queueItem(data);
      renderQueue();
      renderSummarySoon();
      refreshSchedule();
      break;
    case "names.updated":
      board.render();
      queue.render();
      break;
    case "event.received":
      debugPanel.renderEvents();
      break;
    case "action.updated":
      actions.changed(data);
      break;
    case "jobs.merged":
      renderHistory();
      break;
    default:
      break;
  }
});

function showConnection(state, detail) {
  const box = $("conn");
  box.dataset.state = state;
  const text = {
    connecting: () => gettext("Connecting…"),
    reconnecting: () => gettext("Reconnecting…"),
    live: () => gettext("Live"),
    stale: () => fmt(detail.behind
      ? gettext("Stale since %(time)s: changes are not arriving")
      : gettext("Stale since %(time)s: the server does not answer"), { time: new Date(detail.since).toLocaleTimeString(config.language) }),
    offline: () => fmt(gettext("Disconnected: retrying at %(time)s; refreshing every 10 s"), { time: clock(detail.retryAt / 1000) }),
  }[state];
  box.querySelector(".conn-text").textContent = text ? text() : state;
  box.title = detail.refreshedAt ? fmt(gettext("Last refresh %(time)s"), { time: clock(detail.refreshedAt / 1000) }) : "";
}

let currentMode = null;
function showMode(mode) {
  currentMode = mode;
  $("mode-badge").dataset.mode = mode;
  $("mode-badge").textContent = mode === "polling" ? `🔄 ${gettext("Polling")}` : `⚡ ${gettext("Webhooks")}`;
  $("mode-badge").title = mode === "polling" ? gettext("Webhooks are not arriving: state is read from the API.") : gettext("State arrives as SimplyPrint sends it.");
}

async function loadMode() {
  try {
    const status = await api(config.mode);
    board.staleAfter = status.stale_after;
    showMode(status.mode);
  } catch (error) {
    console.warn("mode:", error.message);
  }
}

/** The banner: our webhook missing, elsewhere, disabled or silent, and polling in charge. */
async function loadHealth(fresh = false) {
  try {
    const health = await api(`${config.health}${fresh ? "?fresh=1" : ""}`);
    showMode(health.mode);
    const box = $("webhook-warning");
    box.hidden = !health.warnings.length;
    box.innerHTML = health.warnings.map((w) => `<p data-code="${esc(w.code)}">${w.code === "polling" ? "🔄" : "⚠️"} ${esc(w.text)}</p>`).join("");
  } catch (error) {
    console.warn("health:", error.message);
  }
}

for (const [key, { icon, label }] of Object.entries(CONDITIONS)) {
  $("board-state-conditions").insertAdjacentHTML("beforeend", `<option value="is:${key}">${icon} ${esc(label())}</option>`);
}
for (const [key, icon, label] of CHIPS) {
  $("board-state-attention").insertAdjacentHTML("beforeend", `<option value="${key}">${icon} ${esc(label())}</option>`);
}
$("board-view").addEventListener("click", (event) => {
  const button = event.target.closest("[data-view]");
  if (!button || button.dataset.view === filter.view) return;
  filter.set({ view: button.dataset.view });
  applyFilter();
});
$("board-group").addEventListener("change", () => { filter.set({ group: $("board-group").value }); applyFilter(); });

// Sections fold away (the choice is remembered); the page has one scroll.
function fold(button, open) {
  button.setAttribute("aria-expanded", String(open));
  $(button.getAttribute("aria-controls")).hidden = !open;
}
for (const button of document.querySelectorAll("button.collapse")) {
  if (prefs.get("collapsed").includes(button.dataset.section)) fold(button, false);
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    fold(button, open);
    const collapsed = new Set(prefs.get("collapsed"));
    if (open) collapsed.delete(button.dataset.section);
    else collapsed.add(button.dataset.section);
    prefs.set({ collapsed: [...collapsed] });
    if (open && button.dataset.section === "timeline") timeline.render();
  });
}

// Keys: "/" finds, Esc closes the drawer on top and gives the focus back to what opened it.
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    $("board-search").focus();
    $("board-search").select();
  } else if (event.key === "Escape" && !event.defaultPrevented && !event.target.closest?.("dialog")) {
    if (debugPanel.isOpen()) debugPanel.close();
    else if (drawer.isOpen()) drawer.close();
    else if (typing === $("board-search") && filter.q) { filter.set({ q: "" }); applyFilter(); }
  }
});

$("summary").addEventListener("click", (event) => {
  const chip = event.target.closest("[data-show]");
  if (!chip) return;
  filter.set({ show: filter.show === chip.dataset.show ? "" : chip.dataset.show });
  applyFilter();
});
const searchSoon = debounce(() => { board.applyFilter(); timeline.render(); queue.render(); }, 150);
$("board-search").addEventListener("input", () => { filter.set({ q: $("board-search").value }); searchSoon(); });
$("board-state").addEventListener("change", () => { filter.set({ show: $("board-state").value }); applyFilter(); });
$("board-sort").addEventListener("change", () => { filter.set({ sort: $("board-sort").checked ? "attention" : "" }); applyFilter(); });
for (const id of ["history-printer", "history-status"]) {
  $(id).addEventListener("change", () => { history.render(); history.fetch(); });
}
$("history-file").addEventListener("input", debounce(() => { history.render(); history.fetch(); }, 300));
applyFilter();

// Relative times and the "now" line move on their own.
function minute() {
  board.render();
  timeline.render();
  drawer.render();
}
setInterval(minute, 60000);
setInterval(() => loadHealth(), 60000);

wall?.start();
loadMode();
loadHealth();
live.connect();
if (printerInHash() !== null) drawer.open(printerInHash(), null);

// For tests and debugging from the console.
window.planningDebug = {
  store, live, alerts, filter, board, drawer, timeline, wall, minute, actions,
  dropSocket: (holdMs) => live.drop(holdMs), sortedPrinters, ATTENTION,
};
