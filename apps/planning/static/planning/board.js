// The board: one card per printer, re-rendered one card at a time as deltas arrive.
import { printerState, PRINTER_STATES } from "./labels.js";
import { printerFreshness, printerProgress } from "./rules.js";
import { applyStyles, clock, config, dur, esc, fmt, hexColour, now, rel, gettext } from "./util.js";

export function sortedPrinters(store) {
  return [...store.printers.values()].sort(
    (a, b) => a.sort_order - b.sort_order || a.name.localeCompare(b.name) || a.sp_id - b.sp_id);
}

function material(list) {
  return (list || []).map((m) => {
    if (typeof m !== "object" || m === null) return esc(m);
    const type = m.type && typeof m.type === "object" ? m.type.name : m.type || m.name || m.material || "";
    const colour = hexColour(m.colorHex) || hexColour(m.hex);
    const swatch = colour ? `<i class="swatch" data-swatch="${esc(colour)}"></i>` : "";
    return `${swatch}${esc(type)} ${esc(m.colorName || m.color || "")}`.trim();
  }).join(", ");
}

function freshness(printer, staleAfter) {
  const fresh = printerFreshness(printer, now(), staleAfter);
  if (fresh === "none") {
    return `<span class="fresh-stale" title="${esc(gettext("No state received yet"))}">⌛ ${gettext("no data yet")}</span>`;
  }
  const age = rel(printer.heard_at);
  if (fresh === "stale") {
    return `<span class="fresh-stale">⌛ ${fmt(gettext("stale · %(age)s"), { age })}</span>`;
  }
  if (fresh === "live") {
    return `<span class="fresh-webhook">⚡ ${fmt(gettext("live via webhook · %(age)s"), { age })}</span>`;
  }
  return `<span class="fresh-poll">🔄 ${fmt(gettext("from the last poll · %(age)s"), { age })}</span>`;
}

export function cardHtml(printer, staleAfter) {
  const state = printerState(printer.state);
  const job = printer.current_job;
  const [shown, left] = printerProgress(printer, now());
  const progress = shown ?? job?.percentage ?? null;
  const busy = ["printing", "paused", "downloading", "cancelling"].includes(printer.state);
  const markers = [];
  if (printer.out_of_order) markers.push(`<span class="tag warn">⛔ ${gettext("Out of order")}</span>`);
  if (printer.autoprint_state === "enabled") markers.push(`<span class="tag auto">🔁 AutoPrint</span>`);
  else if (printer.autoprint_state) markers.push(`<span class="tag">🔁 AutoPrint: ${esc(gettext(printer.autoprint_state))}</span>`);
  if (printer.bed_needs_clearing) markers.push(`<span class="tag warn">🧹 ${gettext("Clear the bed")}</span>`);
  const tags = (printer.custom_tags || []).map((tag) => `<span class="tag">🏷️ ${esc(tag)}</span>`).join("");
  const jobLine = job && busy
    ? `<div class="file" title="${esc(job.file_name)}">📄 ${esc(job.file_name)}</div>
       <div class="bar" role="progressbar" aria-valuenow="${progress ?? 0}"><i data-progress="${Number(progress) || 0}"></i></div>
       <div class="row small"><span>${progress ?? "—"}%</span><span>${left === null ? "" : fmt(gettext("%(left)s left · ends %(end)s"), { left: dur(left), end: clock(now() + left) })}</span></div>`
    : `<div class="small muted">${gettext("No job running")}</div>`;
  const details = [
    printer.material?.length ? `🧵 ${material(printer.material)}` : "",
    printer.nozzle_size ? `🔩 ${fmt(gettext("%(size)s mm nozzle"), { size: printer.nozzle_size })}` : "",
  ].filter(Boolean).join(" · ");
  return `<article class="card ${state.cls}" data-id="${printer.sp_id}" data-testid="printer-${printer.sp_id}" data-state="${esc(printer.state)}">
    <div class="row"><span class="name" title="${esc(printer.name)}">${esc(printer.name || `#${printer.sp_id}`)}</span>
      <span class="state ${state.cls}" data-testid="state">${state.icon} ${esc(state.label)}</span></div>
    <div class="small muted">${esc(printer.group_name || gettext("No group"))}${printer.model_name ? " · " + esc(printer.model_name) : ""}</div>
    ${jobLine}
    ${details ? `<div class="small">${details}</div>` : ""}
    ${markers.length || tags ? `<div>${markers.join("")}${tags}</div>` : ""}
    <div class="small">${freshness(printer, staleAfter)}</div>
  </article>`;
}

export class Board {
  constructor(store, root, { search, stateFilter, count }) {
    this.store = store;
    this.root = root;
    this.search = search;
    this.stateFilter = stateFilter;
    this.count = count;
    // Seconds without news before a printer shows stale: the server's limit for its mode.
    this.staleAfter = config.staleAfter;
    for (const [value, { icon, label }] of Object.entries(PRINTER_STATES)) {
      stateFilter.insertAdjacentHTML("beforeend", `<option value="${value}">${icon} ${esc(label())}</option>`);
    }
  }

  matches(printer) {
    const query = this.search.value.trim().toLowerCase();
    const state = this.stateFilter.value;
    if (state && printer.state !== state) return false;
    if (!query) return true;
    const text = `${printer.name} ${printer.group_name} ${printer.model_name} ${printer.current_job?.file_name || ""}`;
    return text.toLowerCase().includes(query);
  }

  render() {
    const printers = sortedPrinters(this.store);
    if (!printers.length) {
      this.root.innerHTML = `<p class="muted">${gettext("No printers yet: they appear with the first event or poll.")}</p>`;
    } else {
      this.root.innerHTML = printers.map((p) => cardHtml(p, this.staleAfter)).join("");
      applyStyles(this.root);
    }
    this.applyFilter();
  }

  update(printer) {
    const old = this.root.querySelector(`[data-id="${printer.sp_id}"]`);
    if (!old) return this.render();
    old.insertAdjacentHTML("afterend", cardHtml(printer, this.staleAfter));
    old.remove();
    const card = this.root.querySelector(`[data-id="${printer.sp_id}"]`);
    applyStyles(card);
    card.hidden = !this.matches(printer);
    card.classList.add("flash");
  }

  applyFilter() {
    let shown = 0;
    for (const card of this.root.querySelectorAll(".card")) {
      const printer = this.store.printers.get(Number(card.dataset.id));
      card.hidden = !(printer && this.matches(printer));
      if (!card.hidden) shown += 1;
    }
    const total = this.store.printers.size;
    this.count.textContent = shown === total ? `(${total})` : `(${shown} / ${total})`;
  }
}
