// The board: one card per printer, re-rendered one card at a time as deltas arrive. Each card
// shows the printer's condition (colour + icon + words), and what a person needs to act on it.
import { condition } from "./labels.js";
import { printerFreshness, printerProgress } from "./rules.js";
import { applyStyles, clock, config, dur, esc, fmt, hexColour, now, rel, gettext } from "./util.js";

export function sortedPrinters(store) {
  return [...store.printers.values()].sort(
    (a, b) => a.sort_order - b.sort_order || a.name.localeCompare(b.name) || a.sp_id - b.sp_id);
}

function link(url, text) {
  return url ? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${text}</a>` : "";
}

function material(list, names) {
  return (list || []).map((m) => {
    if (typeof m !== "object" || m === null) return esc(m);
    const type = names.material(m.type ?? m.name ?? m.material);
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

function aiLine(job) {
  if (!job?.ai_detected_at) return "";
  const pct = Math.round((job.ai_confidence || 0) * 100);
  const what = job.ai_type || gettext("failure");
  return `<div class="small ai" data-testid="ai">🤖 ${fmt(gettext("AI: %(what)s, %(pct)s sure · %(when)s"), { what: esc(what), pct: `${pct} %`, when: clock(job.ai_detected_at) })}
    ${link(job.ai_image_url, `🖼️ ${gettext("frame")}`)}</div>`;
}

function running(printer, job) {
  const [shown, left] = printerProgress(printer, now());
  const progress = Math.max(0, Math.min(100, shown ?? job.percentage ?? 0));
  return `<div class="file" title="${esc(job.file_name)}">📄 ${esc(job.file_name)}</div>
    <div class="bar" role="progressbar" aria-valuenow="${progress}"><i data-progress="${progress}"></i></div>
    <div class="row small"><span>${shown ?? job.percentage ?? "—"}%</span><span>${left === null || left === undefined ? "" : fmt(gettext("%(left)s left · ends %(end)s"), { left: dur(left), end: clock(now() + left) })}</span></div>
    ${aiLine(job)}`;
}

/** The job that ended: file, reason, who ended it and when, and its page in SimplyPrint. */
function ended(job) {
  const status = { failed: gettext("Failed"), cancelled: gettext("Cancelled"), done: gettext("Done") }[job.status] || job.status;
  const reason = job.end_reason || (job.status === "failed" && job.ai_type ? fmt(gettext("AI: %(what)s"), { what: job.ai_type }) : "");
  const who = job.ended_by_name ? fmt(gettext("by %(who)s"), { who: esc(job.ended_by_name) }) : "";
  const when = job.ended_at ? `${clock(job.ended_at)} · ${rel(job.ended_at)}` : "";
  return `<div class="ended" data-testid="ended">
    <div class="file" title="${esc(job.file_name)}">📄 ${esc(job.file_name || "—")}</div>
    ${reason ? `<div class="small reason" data-testid="reason">💬 ${esc(reason)}</div>` : ""}
    <div class="small muted">${esc(status)} ${who} ${when ? "· " + when : ""}</div>
    ${aiLine(job)}
    ${job.panel_url ? `<div class="small">${link(job.panel_url, `↗ ${gettext("Open in SimplyPrint")}`)}</div>` : ""}
  </div>`;
}

function body(printer, c) {
  const job = printer.current_job;
  if (c.key === "offline") {
    const since = printer.offline_since ? fmt(gettext("offline since %(time)s"), { time: clock(printer.offline_since) }) : gettext("offline");
    const was = job ? `<div class="file" title="${esc(job.file_name)}">📄 ${fmt(gettext("was printing %(file)s (%(pct)s)"), { file: esc(job.file_name), pct: `${job.percentage ?? "—"} %` })}</div>` : `<div class="small muted">${gettext("was not printing")}</div>`;
    return `<div class="small">🔌 ${since}</div>${was}`;
  }
  if (c.key === "out_of_order") {
    const by = printer.out_of_order_by ? fmt(gettext("set by %(who)s"), { who: esc(printer.out_of_order_by) }) : "";
    const why = printer.out_of_order_reason ? esc(printer.out_of_order_reason) : gettext("no reason given");
    return `<div class="small reason" data-testid="reason">⛔ ${why}${by ? " · " + by : ""}</div>`;
  }
  if (job && ["printing", "paused", "ai_flagged", "downloading", "cancelling"].includes(c.key)) return running(printer, job);
  if (printer.bed_needs_clearing && printer.last_job) return ended(printer.last_job);
  if (c.key === "error") return `<div class="small reason">⚠️ ${esc(printer.raw_state || gettext("needs attention"))}</div>`;
  return `<div class="small muted">${gettext("No job running")}</div>`;
}

export function cardHtml(printer, staleAfter, names) {
  const c = condition(printer.condition);
  const markers = [];
  if (printer.bed_needs_clearing && c.key !== "bed_to_clear") markers.push(`<span class="tag warn">🧹 ${gettext("Clear the bed")}</span>`);
  if (printer.autoprint_state === "enabled") markers.push(`<span class="tag auto">🔁 AutoPrint</span>`);
  else if (printer.autoprint_state) markers.push(`<span class="tag">🔁 AutoPrint: ${esc(gettext(printer.autoprint_state))}</span>`);
  const tags = (printer.custom_tags || []).map((tag) => `<span class="tag" data-testid="tag">🏷️ ${esc(names.label("tags", tag))}</span>`).join("");
  const group = printer.group_name || (printer.group_id ? names.label("groups", printer.group_id) : gettext("No group"));
  const model = printer.model_name || (printer.model_id ? names.label("models", printer.model_id) : "");
  const details = [
    printer.material?.length ? `🧵 ${material(printer.material, names)}` : "",
    printer.nozzle_size ? `🔩 ${fmt(gettext("%(size)s mm nozzle"), { size: printer.nozzle_size })}` : "",
  ].filter(Boolean).join(" · ");
  return `<article class="card ${c.cls}" data-id="${printer.sp_id}" data-testid="printer-${printer.sp_id}" data-state="${esc(printer.state)}" data-condition="${c.key}">
    <div class="row"><span class="name" title="${esc(printer.name)}">${esc(printer.name || `#${printer.sp_id}`)}</span>
      <span class="state ${c.cls}" data-testid="state">${c.icon} ${esc(c.label)}</span></div>
    <div class="small muted" data-testid="where">${esc(group)}${model ? " · " + esc(model) : ""}</div>
    ${body(printer, c)}
    ${details ? `<div class="small" data-testid="details">${details}</div>` : ""}
    ${markers.length || tags ? `<div>${markers.join("")}${tags}</div>` : ""}
    <div class="small">${freshness(printer, staleAfter)}</div>
  </article>`;
}

export class Board {
  constructor(store, root, { filter, names, count }) {
    this.store = store;
    this.root = root;
    this.filter = filter;
    this.names = names;
    this.count = count;
    // Seconds without news before a printer shows stale: the server's limit for its mode.
    this.staleAfter = config.staleAfter;
  }

  matches(printer) {
    return this.filter.matchesPrinter(printer);
  }

  printers() {
    return this.filter.order(sortedPrinters(this.store));
  }

  render() {
    const printers = this.printers();
    if (!printers.length) {
      this.root.innerHTML = `<p class="muted">${gettext("No printers yet: they appear with the first event or poll.")}</p>`;
    } else {
      this.root.innerHTML = printers.map((p) => cardHtml(p, this.staleAfter, this.names)).join("");
      applyStyles(this.root);
    }
    this.applyFilter();
  }

  update(printer) {
    const old = this.root.querySelector(`[data-id="${printer.sp_id}"]`);
    if (!old || this.filter.sort === "attention") return this.render();
    old.insertAdjacentHTML("afterend", cardHtml(printer, this.staleAfter, this.names));
    old.remove();
    const card = this.root.querySelector(`[data-id="${printer.sp_id}"]`);
    applyStyles(card);
    card.hidden = !this.matches(printer);
    card.classList.add("flash");
    this.applyFilter();
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
    const empty = this.root.querySelector(".no-match");
    if (!shown && total && !empty) this.root.insertAdjacentHTML("beforeend", `<p class="muted no-match">${gettext("No printer matches the filter.")}</p>`);
    else if ((shown || !total) && empty) empty.remove();
  }
}
