// The timeline: per printer, the current job then the queue copies the projection gives it.
// Zoom from 2 h to 7 days, move earlier or later, or follow "now". Every block is a button: a
// label where it fits, its details in the panel under the timeline on focus, click or tap (and
// as a tooltip). One tab stop: the arrow keys move between blocks (←/→ in a row, ↑/↓ between
// printers, Home/End), Enter on a printer's name opens its drawer.
import { REASONS } from "./labels.js";
import { applyStyles, clock, dur, esc, fmt, now, gettext } from "./util.js";

export const ZOOMS = [2, 8, 24, 72, 168];
const TICKS = { 2: 1800, 8: 3600, 24: 3 * 3600, 72: 12 * 3600, 168: 86400 };
/** Narrower blocks (in px) show no label: it is in the panel, the tooltip and aria-label. */
const LABEL_MIN_PX = 56;
const NAME_PX = { wide: 180, narrow: 112 };

const lang = document.documentElement.lang;
const hourFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(lang, { weekday: "short", day: "numeric" });

/** A tick's label, short enough to stay apart on a phone: the time, or at midnight the day. */
function tickLabel(tick) {
  const date = new Date(tick * 1000);
  return date.getHours() === 0 && date.getMinutes() === 0 ? dayFormat.format(date) : hourFormat.format(date);
}

/** The first tick at or after `start`, on a local hour or day boundary. */
function firstTick(start, step) {
  const date = new Date(start * 1000);
  if (step >= 86400) date.setHours(0, 0, 0, 0);
  else date.setMinutes(0, 0, 0);
  let tick = date.getTime() / 1000;
  while (tick < start) tick += step;
  return tick;
}

export class Timeline {
  constructor(store, root, { zoom, follow, earlier, later, detail, board, onOpen, prefs }) {
    this.store = store;
    this.root = root;
    this.zoom = zoom;
    this.follow = follow;
    this.detail = detail;
    this.board = board;
    this.onOpen = onOpen;
    this.prefs = prefs;
    this.projection = null;
    this.start = null; // the window's start while not following now
    this.current = null; // the key of the element that is the timeline's tab stop
    this.blocks = new Map(); // key → block, for the panel
    this.only = null; // the wall display's screenful of printers, or null for every one
    if (ZOOMS.includes(prefs.get("zoom"))) zoom.value = String(prefs.get("zoom"));
    zoom.addEventListener("change", () => { prefs.set({ zoom: Number(zoom.value) }); this.render(); });
    follow.addEventListener("change", () => { if (follow.checked) this.start = null; this.render(); });
    earlier.addEventListener("click", () => this.move(-0.5));
    later.addEventListener("click", () => this.move(0.5));
    root.addEventListener("keydown", (event) => this.key(event));
    root.addEventListener("click", (event) => {
      const target = event.target.closest("[data-nav]");
      if (!target) return;
      this.setCurrent(target);
      if (target.classList.contains("tl-name")) this.onOpen(Number(target.dataset.printer), target);
      else this.show(target.dataset.key);
    });
    root.addEventListener("focusin", (event) => {
      const target = event.target.closest("[data-nav]");
      if (target?.classList.contains("tl-b")) this.show(target.dataset.key);
    });
    detail.addEventListener("click", (event) => {
      const open = event.target.closest("[data-open]");
      if (open) this.onOpen(Number(open.dataset.open), open);
    });
  }

  setProjection(projection) {
    this.projection = projection;
    this.render();
  }

  span() {
    return Number(this.zoom.value) * 3600;
  }

  /** [start, end] of the window: a little before now while following, else where moved to. */
  window() {
    const span = this.span();
    const start = this.follow.checked || this.start === null ? now() - span * 0.03 : this.start;
    return [start, start + span];
  }

  move(share) {
    const [start] = this.window();
    this.start = start + this.span() * share;
    this.follow.checked = false;
    this.render();
  }

  render() {
    if (!this.projection) return;
    const [start, end] = this.window();
    const span = end - start;
    const pct = (ts) => ((Math.min(Math.max(ts, start), end) - start) / span) * 100;
    const narrow = window.matchMedia("(max-width: 640px)").matches;
    const trackPx = Math.max(this.root.clientWidth - NAME_PX[narrow ? "narrow" : "wide"], 200);
    const plans = new Map(this.projection.printers.map((p) => [p.sp_id, p]));
    const step = TICKS[Number(this.zoom.value)] || 3 * 3600;
    let ticks = "";
    for (let tick = firstTick(start, step); tick < end; tick += step) {
      ticks += `<span class="tl-tick" data-left="${pct(tick)}">${esc(tickLabel(tick))}</span>`;
    }
    const nowLine = now() >= start && now() <= end ? `<span class="tl-now" data-left="${pct(now())}" title="${esc(gettext("Now"))}"></span>` : "";
    const rows = [`<div class="tl-row head" aria-hidden="true"><div class="tl-name muted">${gettext("Printer")}</div><div class="tl-track">${ticks}${nowLine}</div></div>`];
    this.blocks = new Map();
    const printers = this.only
      ? [...this.only].map((id) => this.store.printers.get(id)).filter(Boolean)
      : this.board.printers().filter((p) => this.board.matches(p) && this.board.onPage(p));
    for (const printer of printers) {
      const plan = plans.get(printer.sp_id);
      if (!plan) continue;
      const name = printer.name || `#${printer.sp_id}`;
      let track;
      if (!plan.available) {
        track = `<div class="tl-track off"><span class="tl-off">⛔ ${esc((REASONS[plan.reason] || (() => plan.reason))())} — ${gettext("takes nothing from the queue")}</span></div>`;
      } else {
        const blocks = plan.blocks.filter((b) => b.end > start && b.start < end).map((b) => {
          const left = pct(b.start);
          const width = Math.max(pct(b.end) - left, 0.3);
          const kind = b.kind === "job" ? `job${printer.state === "paused" ? " paused" : ""}` : b.estimated ? "queue" : "guess";
          const copy = b.kind === "queue" ? ` #${b.copy}` : "";
          const key = `${printer.sp_id}:${b.kind}:${b.sp_id}:${b.copy}`; // stays across re-renders
          this.blocks.set(key, { block: b, printer });
          const about = `${name}: ${b.kind === "job" ? gettext("Printing now") : gettext("From the queue")}: ${b.label}${copy}, ${clock(b.start)} → ${clock(b.end)} (${dur(b.end - b.start)})${b.estimated ? "" : ", " + gettext("No estimate (assumed duration)")}`;
          const fits = (width / 100) * trackPx >= LABEL_MIN_PX;
          return `<button type="button" class="tl-b ${kind}${fits ? "" : " narrow"}" data-left="${left}" data-width="${width}" title="${esc(about)}" aria-label="${esc(about)}" data-kind="${b.kind}" data-ref="${b.sp_id}" data-nav data-key="${key}" data-printer="${printer.sp_id}" tabindex="-1"><span class="tl-label">${esc(b.label)}${copy}</span></button>`;
        }).join("");
        const free = plan.free_at && plan.free_at > now() + 60 ? fmt(gettext("free at %(time)s"), { time: clock(plan.free_at) }) : gettext("free now");
        track = `<div class="tl-track" title="${esc(free)}">${blocks}</div>`;
      }
      rows.push(`<div class="tl-row" data-printer="${printer.sp_id}"><button type="button" class="tl-name" data-nav data-key="${printer.sp_id}:name" data-printer="${printer.sp_id}" tabindex="-1" title="${esc(name)}">${esc(name)}</button>${track}</div>`);
    }
    const hadFocus = this.root.contains(document.activeElement);
    this.root.innerHTML = rows.join("");
    applyStyles(this.root);
    const current = (this.current && this.root.querySelector(`[data-key="${this.current}"]`)) || this.root.querySelector("[data-nav]");
    if (current) {
      current.tabIndex = 0;
      this.current = current.dataset.key;
      if (hadFocus) current.focus({ preventScroll: true });
    }
    const shown = this.detail.dataset.key;
    if (shown && !this.detail.hidden) {
      if (this.blocks.has(shown)) this.show(shown);
      else this.detail.hidden = true;
    }
  }

  setCurrent(element) {
    const old = this.root.querySelector('[data-nav][tabindex="0"]');
    if (old && old !== element) old.tabIndex = -1;
    element.tabIndex = 0;
    this.current = element.dataset.key;
  }

  /** The details of one block in the panel under the timeline. */
  show(key) {
    const entry = this.blocks.get(key);
    if (!entry) return;
    const { block: b, printer } = entry;
    const copy = b.kind === "queue" ? fmt(gettext("copy %(n)s"), { n: b.copy }) : "";
    this.detail.dataset.key = key;
    this.detail.hidden = false;
    this.detail.innerHTML = `<div class="row"><b>${b.kind === "job" ? "▶️ " + gettext("Printing now") : "📋 " + gettext("From the queue")}</b>
      <button type="button" class="link" data-open="${printer.sp_id}">🖨️ ${esc(printer.name || "#" + printer.sp_id)}</button></div>
      <div class="file">📄 ${esc(b.label)} ${copy ? `<span class="muted">· ${copy}</span>` : ""}</div>
      <div>${clock(b.start)} → ${clock(b.end)} · ${dur(b.end - b.start)}${b.estimated ? "" : ` · <span class="muted">${gettext("No estimate (assumed duration)")}</span>`}</div>`;
  }

  key(event) {
    const target = event.target.closest("[data-nav]");
    if (!target) return;
    const row = target.closest(".tl-row");
    const items = [...row.querySelectorAll("[data-nav]")];
    const index = items.indexOf(target);
    const rows = [...this.root.querySelectorAll(".tl-row[data-printer]")];
    const rowIndex = rows.indexOf(row);
    let next = null;
    const inRow = (other, position) => {
      const candidates = [...other.querySelectorAll("[data-nav]")];
      return candidates[Math.min(position, candidates.length - 1)];
    };
    switch (event.key) {
      case "ArrowRight": next = items[index + 1]; break;
      case "ArrowLeft": next = items[index - 1]; break;
      case "Home": next = items[0]; break;
      case "End": next = items[items.length - 1]; break;
      case "ArrowDown": next = rows[rowIndex + 1] && inRow(rows[rowIndex + 1], index); break;
      case "ArrowUp": next = rows[rowIndex - 1] && inRow(rows[rowIndex - 1], index); break;
      case "PageDown": next = rows.length && inRow(rows[Math.min(rowIndex + 10, rows.length - 1)], index); break;
      case "PageUp": next = rows.length && inRow(rows[Math.max(rowIndex - 10, 0)], index); break;
      default: return;
    }
    event.preventDefault();
    if (!next) return;
    this.setCurrent(next);
    next.focus();
  }
}
