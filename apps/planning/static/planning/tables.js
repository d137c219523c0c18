// The queue table and the job history table.
import { jobStatus, JOB_STATUS_KEYS, planStatus, queueState } from "./labels.js";
import { sortedPrinters } from "./board.js";
import { api, clock, dur, epoch, esc, now, rel, gettext } from "./util.js";

const HISTORY_ROWS = 200;

function restrictions(item, store) {
  const names = store.names;
  const parts = [];
  if (item.for_printers?.length) {
    parts.push(item.for_printers.map((id) => store.printers.get(Number(id))?.name || `#${id}`).join(", "));
  }
  if (item.for_models?.length) parts.push(item.for_models.map((id) => names.label("models", id)).join(", "));
  if (item.for_groups?.length) parts.push(item.for_groups.map((id) => names.label("groups", id)).join(", "));
  return parts.length ? `<div class="small muted" data-testid="restrictions">🎯 ${gettext("only for")} ${esc(parts.join("; "))}</div>` : "";
}

/** Why and by whom a job ended, under its status in the history and the printer drawer. */
export function ending(job) {
  if (!["failed", "cancelled"].includes(job.status)) return "";
  const reason = job.end_reason || (job.ai_type ? `AI: ${job.ai_type}` : "");
  const parts = [reason && `💬 ${esc(reason)}`, job.ended_by_name && `👤 ${esc(job.ended_by_name)}`].filter(Boolean);
  const link = job.panel_url ? ` <a href="${esc(job.panel_url)}" target="_blank" rel="noopener noreferrer" title="${esc(gettext("Open in SimplyPrint"))}">↗</a>` : "";
  return parts.length || link ? `<div class="small muted" data-testid="ending">${parts.join(" · ")}${link}</div>` : "";
}

function when(ts) {
  return ts ? `${clock(ts)} <span class="muted small">${rel(ts)}</span>` : "—";
}

export class QueueTable {
  constructor(store, body, count, filter, decorate = () => {}) {
    this.store = store;
    this.decorate = decorate; // fills the rows' `.actions` (actions.js)
    this.body = body;
    this.count = count;
    this.filter = filter;
    this.plans = new Map();
  }

  setProjection(projection) {
    this.plans = new Map(projection.items.map((item) => [item.sp_id, item]));
    this.render();
  }

  render() {
    const all = [...this.store.queue.values()].sort((a, b) => a.position - b.position || a.sp_id - b.sp_id);
    const pending = all.filter((i) => i.state === "pending_approval").length;
    const items = all.filter((item) => this.filter.matchesItem(item, this.store));
    const shown = items.length === all.length ? `${all.length}` : `${items.length} / ${all.length}`;
    this.count.textContent = `(${shown}${pending ? ` · ⏳ ${pending}` : ""})`;
    if (!items.length) {
      const empty = all.length ? gettext("No queue item matches the filter.") : gettext("The queue is empty.");
      this.body.innerHTML = `<tr><td colspan="6" class="muted">${empty}</td></tr>`;
      return;
    }
    this.body.innerHTML = items.map((item) => {
      const index = all.indexOf(item);
      const plan = this.plans.get(item.sp_id);
      const note = item.note ? `<div class="small muted">📝 ${esc(item.note)}</div>` : "";
      const status = item.state === "pending_approval" ? queueState(item.state) : `${queueState(item.state)} ${planStatus(plan?.status)}`;
      const group = item.group_id ? `<div class="small muted">📁 ${esc(this.store.names.label("queue_groups", item.group_id))}</div>` : "";
      return `<tr data-id="${item.sp_id}" data-state="${esc(item.state)}">
        <td>${index + 1}</td>
        <td class="file" title="${esc(item.filename)}">${esc(item.filename)}${note}${group}${restrictions(item, this.store)}
          <div class="small muted">👤 ${esc(item.added_by_name || "—")} · ${rel(item.added_at)}</div>
          <div class="actions" data-actions="queue" data-item="${item.sp_id}"></div></td>
        <td title="${esc(gettext("left of amount"))}">${item.left} / ${Math.max(item.amount, item.left + item.printed)}</td>
        <td>${status}</td>
        <td>${when(plan?.start)}</td>
        <td>${when(plan?.done_at)}</td>
      </tr>`;
    }).join("");
    this.decorate(this.body);
  }
}

export class HistoryTable {
  constructor(store, body, { printer, status, file }) {
    this.store = store;
    this.body = body;
    this.filters = { printer, status, file };
    for (const key of JOB_STATUS_KEYS) {
      status.insertAdjacentHTML("beforeend", `<option value="${key}">${jobStatus(key).replace(/<[^>]+>/g, "")}</option>`);
    }
  }

  fillPrinters() {
    const select = this.filters.printer;
    const chosen = select.value;
    select.length = 1;
    for (const printer of sortedPrinters(this.store)) {
      select.insertAdjacentHTML("beforeend", `<option value="${printer.sp_id}">${esc(printer.name || "#" + printer.sp_id)}</option>`);
    }
    select.value = chosen;
  }

  /** Loads the filtered history from the REST API (the live state only keeps recent jobs). */
  async fetch() {
    const params = new URLSearchParams({ page_size: "100" });
    if (this.filters.printer.value) params.set("printer", this.filters.printer.value);
    if (this.filters.status.value) params.set("status", this.filters.status.value);
    if (this.filters.file.value.trim()) params.set("file_name", this.filters.file.value.trim());
    try {
      const page = await api(`jobs/?${params}`);
      this.store.mergeJobs(page.results);
    } catch (error) {
      console.warn("history:", error.message);
    }
  }

  render() {
    const printer = this.filters.printer.value;
    const status = this.filters.status.value;
    const file = this.filters.file.value.trim().toLowerCase();
    const jobs = [...this.store.jobs.values()]
      .filter((j) => (!printer || String(j.printer_id) === printer) && (!status || j.status === status)
        && (!file || (j.file_name || "").toLowerCase().includes(file)))
      .sort((a, b) => (epoch(b.started_at) || 0) - (epoch(a.started_at) || 0) || b.sp_id - a.sp_id)
      .slice(0, HISTORY_ROWS);
    if (!jobs.length) {
      this.body.innerHTML = `<tr><td colspan="5" class="muted">${gettext("No jobs match.")}</td></tr>`;
      return;
    }
    this.body.innerHTML = jobs.map((job) => {
      const started = epoch(job.started_at);
      const ended = epoch(job.ended_at);
      const length = ended ? job.duration ?? ended - started : started ? now() - started : null;
      const name = this.store.printers.get(job.printer_id)?.name || (job.printer_id ? `#${job.printer_id}` : "—");
      return `<tr data-id="${job.sp_id}">
        <td class="file" title="${esc(job.file_name)}">${esc(job.file_name || "—")}</td>
        <td>${esc(name)}</td>
        <td>${jobStatus(job.status)}${ending(job)}</td>
        <td>${started ? `${clock(started)} <span class="muted small">${rel(started)}</span>` : "—"}</td>
        <td>${dur(length)}</td>
      </tr>`;
    }).join("");
  }
}
