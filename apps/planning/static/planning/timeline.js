// The timeline: per printer, the current job then the queue items the projection gives it.
import { REASONS } from "./labels.js";
import { applyStyles, clock, dur, esc, fmt, now, gettext } from "./util.js";

const TICKS = { 8: 3600, 24: 3 * 3600, 72: 12 * 3600 };

export class Timeline {
  constructor(store, root, { windowSelect, board }) {
    this.store = store;
    this.root = root;
    this.windowSelect = windowSelect;
    this.board = board;
    this.projection = null;
  }

  setProjection(projection) {
    this.projection = projection;
    this.render();
  }

  render() {
    if (!this.projection) return;
    const hours = Number(this.windowSelect.value);
    const span = hours * 3600;
    const start = now() - span * 0.03;
    const end = start + span;
    const pct = (ts) => ((Math.min(Math.max(ts, start), end) - start) / span) * 100;
    const plans = new Map(this.projection.printers.map((p) => [p.sp_id, p]));
    const step = TICKS[hours] || 3 * 3600;
    let ticks = "";
    for (let tick = Math.ceil(start / step) * step; tick < end; tick += step) {
      ticks += `<span class="tl-tick" data-left="${pct(tick)}">${clock(tick)}</span>`;
    }
    const nowLine = `<span class="tl-now" data-left="${pct(now())}" title="${esc(gettext("Now"))}"></span>`;
    const rows = [`<div class="tl-row head"><div class="tl-name muted">${gettext("Printer")}</div><div class="tl-track">${ticks}${nowLine}</div></div>`];
    for (const printer of this.board.printers()) {
      if (!this.board.matches(printer)) continue;
      const plan = plans.get(printer.sp_id);
      if (!plan) continue;
      let track;
      if (!plan.available) {
        track = `<div class="tl-track off"><span class="tl-off">⛔ ${esc((REASONS[plan.reason] || (() => plan.reason))())} — ${gettext("takes nothing from the queue")}</span></div>`;
      } else {
        const blocks = plan.blocks.filter((b) => b.end > start && b.start < end).map((b) => {
          const left = pct(b.start);
          const width = Math.max(pct(b.end) - left, 0.3);
          const kind = b.kind === "job" ? `job${printer.state === "paused" ? " paused" : ""}` : b.estimated ? "queue" : "guess";
          const copy = b.kind === "queue" ? ` #${b.copy}` : "";
          const title = `${b.kind === "job" ? gettext("Printing now") : gettext("From the queue")}: ${b.label}${copy}\n${clock(b.start)} → ${clock(b.end)} (${dur(b.end - b.start)})${b.estimated ? "" : "\n" + gettext("No estimate (assumed duration)")}`;
          return `<span class="tl-b ${kind}" data-left="${left}" data-width="${width}" title="${esc(title)}" data-kind="${b.kind}" data-ref="${b.sp_id}">${esc(b.label)}${copy}</span>`;
        }).join("");
        const free = plan.free_at && plan.free_at > now() + 60 ? fmt(gettext("free at %(time)s"), { time: clock(plan.free_at) }) : gettext("free now");
        track = `<div class="tl-track" title="${esc(free)}">${blocks}</div>`;
      }
      rows.push(`<div class="tl-row" data-printer="${printer.sp_id}"><div class="tl-name" title="${esc(printer.name)}">${esc(printer.name || "#" + printer.sp_id)}</div>${track}</div>`);
    }
    this.root.innerHTML = rows.join("");
    applyStyles(this.root);
  }
}
