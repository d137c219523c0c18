// The printer drawer: one printer in full, opened by a click, Enter or a tap on its card, list
// row, heat-map tile or timeline name, and by its own URL (#printer=385: a link opens it). What
// the live state has (condition, current job, material, tags…) is drawn from the store as it
// changes; the rest (its last 20 jobs with how each ended, its failure rate over 7 and 30
// days, the queue items it may take next, its page in SimplyPrint) comes from
// /planning-v2/api/printers/<id>/ when it opens and when one of its jobs changes.
// Operator actions (actions.js) fill its `.actions` container.
import { actionWords } from "./actions.js";
import { aiLine, bar, placeOf, progressOf } from "./board.js";
import { condition, jobStatus, REASONS } from "./labels.js";
import { printerFreshness } from "./rules.js";
import { ending } from "./tables.js";
import { api, applyStyles, clock, config, dur, epoch, esc, fmt, gettext, hexColour, now, rel, throttle } from "./util.js";

const HASH = /^#printer=(\d+)$/;

/** The printer a URL's hash names (#printer=385), or null. */
export function printerInHash(hash = location.hash) {
  const match = HASH.exec(hash);
  return match ? Number(match[1]) : null;
}

function setHash(spId) {
  const hash = spId === null ? "" : `#printer=${spId}`;
  history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
}

function materials(list, names) {
  return (list || []).map((m) => {
    if (typeof m !== "object" || m === null) return esc(m);
    const colour = hexColour(m.colorHex) || hexColour(m.hex);
    return `${colour ? `<i class="swatch" data-swatch="${esc(colour)}"></i>` : ""}${esc(names.material(m.type ?? m.name ?? m.material))} ${esc(m.colorName || m.color || "")}`;
  }).join(", ");
}

export class PrinterDrawer {
  constructor(store, root, { names, board, decorate = () => {} }) {
    this.store = store;
    this.root = root;
    this.names = names;
    this.board = board;
    this.decorate = decorate;
    this.body = root.querySelector("#printer-drawer-body");
    this.title = root.querySelector("#pd-title");
    this.spId = null;
    this.opener = null;
    this.detail = null;
    this.error = "";
    this.refetch = throttle(() => this.load(), 2000);
    root.querySelector("#printer-drawer-close").addEventListener("click", () => this.close());
    window.addEventListener("hashchange", () => {
      const spId = printerInHash();
      if (spId !== null && spId !== this.spId) this.open(spId, null);
      else if (spId === null && this.isOpen()) this.close();
    });
  }

  isOpen() {
    return !this.root.hidden;
  }

  /** Opens the drawer on a printer; `opener` gets the focus back when it closes. */
  open(spId, opener) {
    const same = this.spId === spId && this.isOpen();
    this.spId = spId;
    this.opener = opener || this.opener;
    if (!same) {
      this.detail = null;
      this.error = "";
      this.load();
    }
    setHash(spId);
    this.root.hidden = false;
    this.render();
    this.root.focus();
  }

  close() {
    if (!this.isOpen()) return;
    const spId = this.spId;
    this.root.hidden = true;
    this.spId = null;
    setHash(null);
    // Back where it was opened: the same element, or the printer's item after a re-render.
    const target = (this.opener?.isConnected && this.opener)
      || this.board.root.querySelector(`.printer-item[data-id="${spId}"]`)
      || document.getElementById("main");
    this.opener = null;
    target?.focus?.();
  }

  async load() {
    const spId = this.spId;
    if (spId === null) return;
    try {
      const detail = await api(`${config.printerDetail}${spId}/`);
      if (spId !== this.spId) return;
      this.detail = detail;
      this.error = "";
    } catch (error) {
      if (spId !== this.spId) return;
      this.error = error.message;
    }
    this.render();
  }

  /** A change of the farm: the open printer's live part, and its detail when its jobs change. */
  changed(kind, data) {
    if (!this.isOpen()) return;
    if (kind === "snapshot" || (kind === "printer.updated" && data.sp_id === this.spId)) this.render();
    if ((kind === "job.updated" && data.printer_id === this.spId) || kind === "queue.updated"
      || (kind === "action.updated" && data.printer_id === this.spId)) this.refetch();
  }

  render() {
    if (!this.isOpen()) return;
    const printer = this.store.printers.get(this.spId);
    if (!printer) {
      this.title.textContent = `🖨️ #${this.spId}`;
      this.body.innerHTML = this.store.loaded
        ? `<p class="error" data-testid="drawer-missing">⚠️ ${fmt(gettext("No printer #%(id)s on this farm."), { id: this.spId })}</p>`
        : `<p class="muted">${gettext("Loading the farm…")}</p>`;
      return;
    }
    const c = condition(printer.condition);
    const { group, model } = placeOf(printer, this.names);
    this.title.textContent = `🖨️ ${printer.name || "#" + printer.sp_id}`;
    const fresh = printerFreshness(printer, now(), this.board.staleAfter);
    const freshText = { none: `⌛ ${gettext("no data yet")}`, stale: `⌛ ${gettext("stale")}`, live: `⚡ ${gettext("live via webhook")}`, polled: `🔄 ${gettext("from the last poll")}` }[fresh];
    const detail = this.detail;
    this.body.innerHTML = `
      <div class="pd-state"><span class="state ${c.cls}" data-testid="drawer-state">${c.icon} ${esc(c.label)}</span>
        <span class="muted">${esc(group)}${model ? " · " + esc(model) : ""}</span>
        <span class="small muted">${freshText}${printer.heard_at ? " · " + rel(printer.heard_at) : ""}</span></div>
      <div class="actions" data-actions="printer" data-printer="${printer.sp_id}" data-testid="drawer-actions"></div>
      <section class="pd-section" data-testid="drawer-now"><h3>${gettext("Now")}</h3>${this.now(printer, c)}</section>
      <section class="pd-section"><h3>${gettext("Printer")}</h3>${this.facts(printer)}</section>
      <section class="pd-section" data-testid="drawer-failures"><h3>${gettext("Failure rate")}</h3>${this.failures(detail)}</section>
      <section class="pd-section" data-testid="drawer-next"><h3>${gettext("Next from the queue")}</h3>${this.next(detail)}</section>
      <section class="pd-section" data-testid="drawer-jobs"><h3>${gettext("Last 20 jobs")}</h3>${this.jobs(detail)}</section>
      <section class="pd-section" data-testid="drawer-actions-log"><h3>${gettext("Recent actions")}</h3>${this.actionLog(detail)}</section>
      ${detail?.simplyprint_url ? `<p><a href="${esc(detail.simplyprint_url)}" target="_blank" rel="noopener noreferrer" data-testid="drawer-simplyprint">↗ ${gettext("Open this printer in SimplyPrint")}</a></p>` : ""}
      ${this.error ? `<p class="error">⚠️ ${esc(this.error)}</p>` : ""}`;
    applyStyles(this.body);
    this.decorate(this.body);
  }

  now(printer, c) {
    const job = printer.current_job;
    const parts = [];
    if (c.key === "offline") {
      parts.push(`<p>🔌 ${printer.offline_since ? fmt(gettext("offline since %(time)s"), { time: `${clock(printer.offline_since)} (${rel(printer.offline_since)})` }) : gettext("offline")}</p>`);
    }
    if (c.key === "out_of_order") {
      parts.push(`<p class="reason">⛔ ${esc(printer.out_of_order_reason || gettext("no reason given"))}${printer.out_of_order_by ? " · " + fmt(gettext("set by %(who)s"), { who: esc(printer.out_of_order_by) }) : ""}</p>`);
    }
    if (c.key === "error") parts.push(`<p class="reason">⚠️ ${esc(printer.raw_state || gettext("needs attention"))}</p>`);
    if (job) {
      const progress = progressOf(printer);
      const started = epoch(job.started_at);
      parts.push(`<div class="file">📄 ${esc(job.file_name || "—")}</div>${bar(progress, job.file_name || gettext("Progress"))}
        <dl class="kv">
          <dt>${gettext("Progress")}</dt><dd>${progress.percent ?? "—"}%</dd>
          <dt>${gettext("Started")}</dt><dd>${started ? `${clock(started)} · ${rel(started)}` : "—"}</dd>
          <dt>${gettext("Printing for")}</dt><dd>${started ? dur(now() - started) : "—"}</dd>
          <dt>${gettext("Time left")}</dt><dd>${progress.left === null ? "—" : dur(progress.left)}</dd>
          <dt>${gettext("Ends at")}</dt><dd>${progress.left === null ? "—" : clock(now() + progress.left)}</dd>
        </dl>${aiLine(job)}`);
    } else if (printer.bed_needs_clearing && printer.last_job) {
      const last = printer.last_job;
      parts.push(`<div class="file">📄 ${esc(last.file_name || "—")} ${jobStatus(last.status)}</div>
        ${ending(last) || ""}<p class="small muted">${last.ended_at ? `${clock(last.ended_at)} · ${rel(last.ended_at)}` : ""}</p>
        <p class="reason">🧹 ${gettext("Clear the bed")}</p>`);
    } else if (!parts.length) {
      parts.push(`<p class="muted">${gettext("No job running")}</p>`);
    }
    return parts.join("");
  }

  facts(printer) {
    const rows = [
      [gettext("Material"), printer.material?.length ? materials(printer.material, this.names) : "—"],
      [gettext("Nozzle"), printer.nozzle_size ? fmt(gettext("%(size)s mm nozzle"), { size: printer.nozzle_size }) : "—"],
      [gettext("Tags"), (printer.custom_tags || []).map((t) => `🏷️ ${esc(this.names.label("tags", t))}`).join(" ") || "—"],
      ["AutoPrint", esc(printer.autoprint_state ? gettext(printer.autoprint_state) : "—")],
      [gettext("Out of order"), printer.out_of_order ? `⛔ ${esc(printer.out_of_order_reason || gettext("no reason given"))}` : gettext("no")],
    ];
    return `<dl class="kv">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>`;
  }

  failures(detail) {
    if (!detail) return `<p class="muted">…</p>`;
    return `<dl class="kv">${detail.failure_rates.map((r) => `<dt>${fmt(gettext("%(days)s days"), { days: r.days })}</dt><dd>${r.ended
      ? `<b>${Math.round(r.rate * 100)} %</b> · ${fmt(gettext("%(failed)s failed of %(ended)s ended, %(cancelled)s cancelled"), r)}`
      : `<span class="muted">${gettext("no job ended")}</span>`}</dd>`).join("")}</dl>`;
  }

  next(detail) {
    if (!detail) return `<p class="muted">…</p>`;
    const plan = detail.plan;
    if (!detail.next.length) {
      return `<p class="muted">${plan.available ? gettext("Nothing in the queue for this printer.") : gettext("It takes nothing, and nothing in the queue may go to it.")}</p>`;
    }
    if (!plan.available) {
      const why = (REASONS[plan.reason] || (() => plan.reason))();
      return `<p class="small">⛔ ${fmt(gettext("It takes nothing now (%(why)s); once it can, it may print:"), { why: esc(why) })}</p>
        <ol class="pd-next">${detail.next.map((i) => `<li>📄 ${esc(i.filename)} <span class="muted small">× ${i.left}</span></li>`).join("")}</ol>`;
    }
    return `<ol class="pd-next">${detail.next.map((i) => `<li>📄 ${esc(i.filename)} <span class="muted small">#${i.copy}</span>
      <span class="small">${clock(i.start)} → ${clock(i.end)}${i.estimated ? "" : " · " + gettext("no estimate")}</span></li>`).join("")}</ol>`;
  }

  /** The latest operator actions on this printer: when, what, who, how it ended. */
  actionLog(detail) {
    if (!detail) return `<p class="muted">…</p>`;
    if (!detail.actions?.length) return `<p class="muted">${gettext("No action taken from this service yet.")}</p>`;
    return `<ul class="pd-actions">${detail.actions.map((row) => {
      const words = actionWords(row);
      const at = epoch(row.created_at);
      const why = row.error || row.refusal;
      return `<li data-id="${row.id}" data-status="${esc(row.status)}">${at ? clock(at) : "—"} · ${esc(words.what)} · ${esc(row.username)} · <b>${esc(words.status)}</b>${why ? ` <span class="small muted">— ${esc(why)}</span>` : ""}</li>`;
    }).join("")}</ul>`;
  }

  jobs(detail) {
    if (!detail) return `<p class="muted">…</p>`;
    if (!detail.jobs.length) return `<p class="muted">${gettext("No jobs yet.")}</p>`;
    return `<div class="table-wrap" tabindex="0" role="region" aria-label="${esc(gettext("Last 20 jobs"))}"><table class="grid"><thead><tr><th scope="col">${gettext("File")}</th><th scope="col">${gettext("Status")}</th><th scope="col">${gettext("Started")}</th><th scope="col">${gettext("Duration")}</th></tr></thead><tbody>
      ${detail.jobs.map((job) => {
        const started = epoch(job.started_at);
        const ended = epoch(job.ended_at);
        return `<tr data-id="${job.sp_id}"><td class="file" title="${esc(job.file_name)}">${esc(job.file_name || "—")}</td>
          <td>${jobStatus(job.status)}${ending(job)}</td>
          <td>${started ? clock(started) : "—"}</td><td>${dur(ended && started ? job.duration ?? ended - started : started ? now() - started : null)}</td></tr>`;
      }).join("")}</tbody></table></div>`;
  }
}
