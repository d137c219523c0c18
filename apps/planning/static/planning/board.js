// The board: every printer as a card, a list row or a heat-map tile (the view), optionally in
// groups (printer group or "bay", model, state), re-rendered one printer at a time as deltas
// arrive. Each shows the printer's condition (colour + icon + words, never colour alone) and
// what a person needs to act on it; a click, Enter or a tap opens the printer drawer.
import { attentionRank } from "./filters.js";
import { condition } from "./labels.js";
import { printerFreshness, printerProgress } from "./rules.js";
import { applyStyles, clock, config, dur, esc, fmt, hexColour, now, rel, gettext } from "./util.js";

export function sortedPrinters(store) {
  return [...store.printers.values()].sort(
    (a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0) || (a.name || "").localeCompare(b.name || "")
      || a.sp_id - b.sp_id);
}

/** The printer's group ("bay") and model, as names. */
export function placeOf(printer, names) {
  return {
    group: names.ofPrinter("groups", printer) || (printer.group_id ? `#${printer.group_id}` : gettext("No group")),
    model: names.ofPrinter("models", printer) || (printer.model_id ? `#${printer.model_id}` : ""),
  };
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

export function aiLine(job) {
  if (!job?.ai_detected_at) return "";
  const pct = Math.round((job.ai_confidence || 0) * 100);
  const what = job.ai_type || gettext("failure");
  return `<div class="small ai" data-testid="ai">🤖 ${fmt(gettext("AI: %(what)s, %(pct)s sure · %(when)s"), { what: esc(what), pct: `${pct} %`, when: clock(job.ai_detected_at) })}
    ${link(job.ai_image_url, `🖼️ ${gettext("frame")}`)}</div>`;
}

/** Progress now (extrapolated between reports, rules.js) and the seconds left, or nulls. */
export function progressOf(printer) {
  const job = printer.current_job;
  const [shown, left] = printerProgress(printer, now());
  const percent = shown ?? job?.percentage ?? null;
  return { percent, bar: Math.max(0, Math.min(100, percent ?? 0)), left: left ?? null };
}

export function bar(progress, label) {
  return `<div class="bar" role="progressbar" aria-label="${esc(label)}" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${progress.bar}"><i data-progress="${progress.bar}"></i></div>`;
}

function running(printer, job) {
  const progress = progressOf(printer);
  const { left } = progress;
  return `<div class="file" title="${esc(job.file_name)}">📄 ${esc(job.file_name)}</div>
    ${bar(progress, job.file_name || gettext("Progress"))}
    <div class="row small"><span>${progress.percent ?? "—"}%</span><span>${left === null ? "" : fmt(gettext("%(left)s left · ends %(end)s"), { left: dur(left), end: clock(now() + left) })}</span></div>
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
  const { group, model } = placeOf(printer, names);
  const details = [
    printer.material?.length ? `🧵 ${material(printer.material, names)}` : "",
    printer.nozzle_size ? `🔩 ${fmt(gettext("%(size)s mm nozzle"), { size: printer.nozzle_size })}` : "",
  ].filter(Boolean).join(" · ");
  const name = printer.name || `#${printer.sp_id}`;
  return `<article class="card printer-item ${c.cls}" data-id="${printer.sp_id}" data-testid="printer-${printer.sp_id}" data-state="${esc(printer.state)}" data-condition="${c.key}" tabindex="0" aria-labelledby="pn-${printer.sp_id}">
    <div class="row"><span class="name" id="pn-${printer.sp_id}" title="${esc(name)}">${esc(name)}</span>
      <span class="state ${c.cls}" data-testid="state">${c.icon} ${esc(c.label)}</span></div>
    <div class="small muted" data-testid="where">${esc(group)}${model ? " · " + esc(model) : ""}</div>
    ${body(printer, c)}
    ${details ? `<div class="small" data-testid="details">${details}</div>` : ""}
    ${markers.length || tags ? `<div>${markers.join("")}${tags}</div>` : ""}
    <div class="small">${freshness(printer, staleAfter)}</div>
    <div class="actions" data-actions="printer" data-printer="${printer.sp_id}"></div>
  </article>`;
}

/** What needs a person, in a few words (the list's last column, the tile's tooltip). */
export function attentionText(printer) {
  const c = condition(printer.condition);
  const job = printer.current_job;
  const last = printer.last_job;
  switch (c.key) {
    case "failed":
    case "cancelled":
      return last?.end_reason || (last?.ai_type ? fmt(gettext("AI: %(what)s"), { what: last.ai_type }) : gettext("Clear the bed"));
    case "ai_flagged":
      return fmt(gettext("AI: %(what)s"), { what: job?.ai_type || gettext("failure") });
    case "offline":
      return printer.offline_since ? fmt(gettext("offline since %(time)s"), { time: clock(printer.offline_since) }) : gettext("offline");
    case "out_of_order":
      return printer.out_of_order_reason || gettext("no reason given");
    case "error":
      return printer.raw_state || gettext("needs attention");
    case "bed_to_clear":
      return gettext("Clear the bed");
    case "paused":
      return gettext("Paused");
    default:
      return printer.bed_needs_clearing ? gettext("Clear the bed") : "";
  }
}

function rowHtml(printer, names) {
  const c = condition(printer.condition);
  const { group, model } = placeOf(printer, names);
  const busy = ["printing", "paused", "ai_flagged", "downloading", "cancelling"].includes(c.key);
  const job = busy ? printer.current_job : printer.bed_needs_clearing ? printer.last_job : null;
  const progress = busy ? progressOf(printer) : null;
  const name = printer.name || `#${printer.sp_id}`;
  const ends = progress?.left !== null && progress?.left !== undefined
    ? `${clock(now() + progress.left)} <span class="muted small">${fmt(gettext("%(left)s left"), { left: dur(progress.left) })}</span>` : "—";
  return `<tr class="prow printer-item ${c.cls}" data-id="${printer.sp_id}" data-testid="printer-${printer.sp_id}" data-state="${esc(printer.state)}" data-condition="${c.key}" tabindex="0" aria-labelledby="pn-${printer.sp_id}">
    <th scope="row"><span class="name" id="pn-${printer.sp_id}">${esc(name)}</span> <span class="small muted">${esc(group)}${model ? " · " + esc(model) : ""}</span></th>
    <td><span class="state ${c.cls}" data-testid="state">${c.icon} ${esc(c.label)}</span></td>
    <td class="file" title="${esc(job?.file_name || "")}">${esc(job?.file_name || "—")}</td>
    <td class="progress">${progress ? `${bar(progress, name)}<span class="small">${progress.percent ?? "—"}%</span>` : "—"}</td>
    <td>${ends}</td>
    <td class="attention" data-testid="attention">${esc(attentionText(printer))}</td>
    <td class="actions" data-actions="printer" data-printer="${printer.sp_id}"></td>
  </tr>`;
}

/** A name that fits a tile: the whole name when short, else its last word ("MK4 Bay A-1" →
 * "…A-1"), which is what tells printers of a row apart; the tooltip has the whole name. */
export function shortName(name) {
  if (name.length <= 10) return name;
  const last = name.trim().split(/\s+/).pop();
  return `…${last.length <= 9 ? last : last.slice(-9)}`;
}

function tileHtml(printer, names) {
  const c = condition(printer.condition);
  const { group } = placeOf(printer, names);
  const name = printer.name || `#${printer.sp_id}`;
  const busy = ["printing", "paused", "ai_flagged"].includes(c.key) && printer.current_job;
  const progress = busy ? progressOf(printer) : null;
  const about = [
    name, group, `${c.icon} ${c.label}`,
    busy ? `${printer.current_job.file_name || ""} ${progress.percent ?? "—"}%` : "",
    progress?.left ? fmt(gettext("ends %(time)s"), { time: clock(now() + progress.left) }) : "",
    attentionText(printer),
  ].filter(Boolean).join(" · ");
  return `<button type="button" class="tile printer-item ${c.cls}" data-id="${printer.sp_id}" data-testid="printer-${printer.sp_id}" data-state="${esc(printer.state)}" data-condition="${c.key}" title="${esc(about)}" aria-label="${esc(about)}">
    <span class="t-icon" aria-hidden="true">${c.icon}</span><span class="t-name" aria-hidden="true">${esc(shortName(name))}</span>${progress ? `<i class="t-bar" data-progress="${progress.bar}"></i>` : ""}</button>`;
}

const ITEM = { cards: cardHtml, list: (printer, _staleAfter, names) => rowHtml(printer, names), map: (printer, _staleAfter, names) => tileHtml(printer, names) };

/** Groupings: a printer's group key and label, and the order of the groups. */
const GROUPINGS = {
  bay: (printer, names) => {
    const { group } = placeOf(printer, names);
    return [`g${printer.group_id ?? ""}:${group}`, group];
  },
  model: (printer, names) => {
    const { model } = placeOf(printer, names);
    return [`m${printer.model_id ?? ""}:${model}`, model || gettext("Unknown model")];
  },
  state: (printer) => {
    const c = condition(printer.condition);
    return [c.key, `${c.icon} ${c.label}`];
  },
};

const LIST_HEAD = () => `<thead><tr><th scope="col">${gettext("Printer")}</th><th scope="col">${gettext("State")}</th><th scope="col">${gettext("File")}</th><th scope="col">${gettext("Progress")}</th><th scope="col">${gettext("Ends at")}</th><th scope="col">${gettext("Needs")}</th><th scope="col"><span class="sr-only">${gettext("Actions")}</span></th></tr></thead>`;

export class Board {
  constructor(store, root, { filter, names, count, onOpen, decorate = () => {} }) {
    this.store = store;
    this.root = root;
    this.filter = filter;
    this.names = names;
    this.count = count;
    this.onOpen = onOpen;
    // Fills the `.actions` containers of what was drawn (actions.js).
    this.decorate = decorate;
    // Seconds without news before a printer shows stale: the server's limit for its mode.
    this.staleAfter = config.staleAfter;
    // The wall display shows some groups at a time: the printers on the current page.
    this.page = null;
    this.onRendered = () => {};
    root.addEventListener("click", (event) => {
      if (event.target.closest("a, input, select, .actions")) return;
      const item = event.target.closest(".printer-item");
      if (item) this.onOpen(Number(item.dataset.id), item);
    });
    root.addEventListener("keydown", (event) => {
      const item = event.target.closest?.(".printer-item");
      if (!item || item.tagName === "BUTTON" || event.target !== item) return;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.onOpen(Number(item.dataset.id), item);
      }
    });
  }

  matches(printer) {
    return this.filter.matchesPrinter(printer);
  }

  /** On the wall display's current page (every printer when there are no pages). */
  onPage(printer) {
    return !this.page || this.page.has(printer.sp_id);
  }

  printers() {
    return this.filter.order(sortedPrinters(this.store));
  }

  /** The printers in groups: [[key, label, printers]] in the grouping's order. */
  groups() {
    const printers = this.printers();
    const grouping = GROUPINGS[this.filter.group];
    if (!grouping) return [["", "", printers]];
    const groups = new Map();
    for (const printer of printers) {
      const [key, label] = grouping(printer, this.names);
      if (!groups.has(key)) groups.set(key, [key, label, [], printer]);
      groups.get(key)[2].push(printer);
    }
    const ordered = [...groups.values()];
    if (this.filter.group === "state") ordered.sort((a, b) => attentionRank(a[3]) - attentionRank(b[3]));
    else ordered.sort((a, b) => a[1].localeCompare(b[1], undefined, { numeric: true }));
    return ordered.map(([key, label, members]) => [key, label, members]);
  }

  groupKey(printer) {
    const grouping = GROUPINGS[this.filter.group];
    return grouping ? grouping(printer, this.names)[0] : "";
  }

  render() {
    const view = this.filter.view;
    this.root.dataset.view = view;
    if (!this.store.printers.size) {
      this.root.innerHTML = `<p class="muted">${gettext("No printers yet: they appear with the first event or poll.")}</p>`;
    } else {
      const item = ITEM[view];
      const sections = this.groups().map(([key, label, printers], index) => {
        const items = printers.map((p) => item(p, this.staleAfter, this.names)).join("");
        const head = label ? `<h3 class="group-head" id="group-${index}"><span>${esc(label)}</span> <span class="count">(${printers.length})</span></h3>` : "";
        if (view === "list") {
          return `<tbody class="group" data-group="${esc(key)}">${label ? `<tr class="group-row"><th colspan="7" scope="colgroup">${esc(label)} <span class="count">(${printers.length})</span></th></tr>` : ""}${items}</tbody>`;
        }
        return `<section class="group" data-group="${esc(key)}"${label ? ` aria-labelledby="group-${index}"` : ""}>${head}<div class="items">${items}</div></section>`;
      }).join("");
      this.root.innerHTML = view === "list"
        ? `<div class="table-wrap" tabindex="0" role="region" aria-labelledby="board-title"><table class="grid printer-list" data-testid="printer-list">${LIST_HEAD()}${sections}</table></div>`
        : sections;
      applyStyles(this.root);
      this.decorate(this.root);
    }
    this.applyFilter();
    this.onRendered();
  }

  update(printer) {
    const old = this.root.querySelector(`.printer-item[data-id="${printer.sp_id}"]`);
    const group = old?.closest(".group")?.dataset.group ?? "";
    if (!old || this.filter.sort === "attention" || group !== this.groupKey(printer)) return this.render();
    old.insertAdjacentHTML("afterend", ITEM[this.filter.view](printer, this.staleAfter, this.names));
    const focused = document.activeElement === old;
    old.remove();
    const item = this.root.querySelector(`.printer-item[data-id="${printer.sp_id}"]`);
    applyStyles(item);
    this.decorate(item);
    item.classList.add("flash");
    if (focused) item.focus();
    return this.applyFilter();
  }

  applyFilter() {
    let shown = 0;
    for (const item of this.root.querySelectorAll(".printer-item")) {
      const printer = this.store.printers.get(Number(item.dataset.id));
      item.hidden = !(printer && this.matches(printer));
      item.classList.toggle("off-page", Boolean(printer && !this.onPage(printer)));
      if (!item.hidden) shown += 1;
    }
    for (const group of this.root.querySelectorAll(".group")) {
      group.hidden = !group.querySelector(".printer-item:not([hidden])");
      group.classList.toggle("off-page", !group.querySelector(".printer-item:not([hidden]):not(.off-page)"));
    }
    const total = this.store.printers.size;
    this.count.textContent = shown === total ? `(${total})` : `(${shown} / ${total})`;
    const empty = this.root.querySelector(".no-match");
    if (!shown && total && !empty) this.root.insertAdjacentHTML("beforeend", `<p class="muted no-match">${gettext("No printer matches the filter.")}</p>`);
    else if ((shown || !total) && empty) empty.remove();
  }
}
