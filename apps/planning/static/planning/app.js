// Planning V2: wires the store, the live channel and the views together.
import { Board, sortedPrinters } from "./board.js";
import { DebugPanel } from "./debug.js";
import { Live } from "./live.js";
import { HistoryTable, QueueTable } from "./tables.js";
import { Timeline } from "./timeline.js";
import { Store } from "./store.js";
import { printerState } from "./labels.js";
import { api, clock, config, debounce, esc, fmt, gettext, throttle } from "./util.js";

const $ = (id) => document.getElementById(id);
const store = new Store();

const board = new Board(store, $("board"), { search: $("board-search"), stateFilter: $("board-state"), count: $("board-count") });
const timeline = new Timeline(store, $("timeline"), { windowSelect: $("timeline-window"), matches: (p) => board.matches(p) });
const queue = new QueueTable(store, $("queue").querySelector("tbody"), $("queue-count"));
const history = new HistoryTable(store, $("history").querySelector("tbody"),
  { printer: $("history-printer"), status: $("history-status"), file: $("history-file") });

let projection = null;

// The projection is computed by the server (apps/planning/schedule.py, one tested
// implementation); the page refetches it at most once a second when the farm changes.
const refreshSchedule = throttle(async () => {
  try {
    projection = await api(config.schedule);
    timeline.setProjection(projection);
    queue.setProjection(projection);
    renderSummary();
  } catch (error) {
    console.warn("schedule:", error.message);
  }
}, 1000);

function renderSummary() {
  const counts = {};
  for (const printer of store.printers.values()) counts[printer.state] = (counts[printer.state] || 0) + 1;
  const pills = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([state, n]) => {
    const s = printerState(state);
    return `<span class="pill ${s.cls}"><b>${n}</b>${s.icon} ${esc(s.label)}</span>`;
  });
  const items = [...store.queue.values()];
  const pending = items.filter((i) => i.state === "pending_approval").length;
  pills.push(`<span class="pill"><b>${items.length}</b>📋 ${gettext("in the queue")}${pending ? ` · ⏳ ${fmt(gettext("%(n)s awaiting approval"), { n: pending })}` : ""}</span>`);
  if (projection) {
    const next = projection.printers.filter((p) => p.available && p.free_at).sort((a, b) => a.free_at - b.free_at)[0];
    if (next) {
      const name = store.printers.get(next.sp_id)?.name || `#${next.sp_id}`;
      pills.push(`<span class="pill">🟢 ${fmt(gettext("next free: %(name)s at %(time)s"), { name: esc(name), time: clock(next.free_at) })}</span>`);
    }
  }
  $("summary").innerHTML = pills.join("");
}

const renderHistory = throttle(() => history.render(), 300);
const renderQueue = throttle(() => queue.render(), 300);
const renderSummarySoon = throttle(renderSummary, 500);

const debugPanel = new DebugPanel(store, null, $("debug"));
const live = new Live(store, {
  onState: showConnection,
  onMessage: (message) => debugPanel.record(message.type === "snapshot"
    ? { type: "snapshot", seq: message.seq, printers: message.data.printers.length, queue: message.data.queue.length }
    : message),
  onPong: (message) => debugPanel.onPong(message),
});
debugPanel.live = live;

store.on((kind, data) => {
  switch (kind) {
    case "snapshot":
      board.render();
      history.fillPrinters();
      history.render();
      queue.render();
      renderSummary();
      debugPanel.renderEvents();
      refreshSchedule();
      break;
    case "printer.updated":
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
      renderQueue();
      renderSummarySoon();
      refreshSchedule();
      break;
    case "event.received":
      debugPanel.renderEvents();
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
    offline: () => fmt(gettext("Disconnected: retrying at %(time)s; refreshing every 10 s"), { time: clock(detail.retryAt / 1000) }),
  }[state];
  box.querySelector(".conn-text").textContent = text ? text() : state;
  box.title = detail.refreshedAt ? fmt(gettext("Last refresh %(time)s"), { time: clock(detail.refreshedAt / 1000) }) : "";
}

async function loadMode() {
  try {
    const status = await api(config.mode);
    board.staleAfter = status.stale_after;
    $("mode-badge").textContent = status.mode === "polling" ? `🔄 ${gettext("Polling")}` : `⚡ ${gettext("Webhooks")}`;
    $("mode-badge").title = status.mode === "polling" ? gettext("Webhooks are not arriving: state is read from the API.") : gettext("State arrives as SimplyPrint sends it.");
  } catch (error) {
    console.warn("mode:", error.message);
  }
}

$("board-search").addEventListener("input", debounce(() => { board.applyFilter(); timeline.render(); }, 150));
$("board-state").addEventListener("change", () => { board.applyFilter(); timeline.render(); });
$("timeline-window").addEventListener("change", () => timeline.render());
for (const id of ["history-printer", "history-status"]) {
  $(id).addEventListener("change", () => { history.render(); history.fetch(); });
}
$("history-file").addEventListener("input", debounce(() => { history.render(); history.fetch(); }, 300));

// Relative times and the "now" line move on their own.
setInterval(() => { board.render(); timeline.render(); }, 60000);
setInterval(loadMode, 60000);

loadMode();
live.connect();

// For tests and debugging from the console.
window.planningDebug = { store, live, dropSocket: (holdMs) => live.drop(holdMs), sortedPrinters };
