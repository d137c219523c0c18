// Operator actions (issue 18): the buttons in the printer cards, list rows and drawer and in the
// queue table, the confirmation dialog, "pending…" until SimplyPrint confirms, the errors, and
// the selection for clearing beds and approving in bulk. The server does the work
// (apps/simpleprint/actions/, docs/api.md "Actions"); this module only offers what applies to
// what the page shows and what the user may do (config.can), asks first, and sends what the
// page showed (`expect`: refused as "the printer is now …" when it changed) with a request key
// (Idempotency-Key: a double click or a retry acts once).
import { api, config, esc, fmt, gettext } from "./util.js";

/** A printer busy with a print: nothing but pause, resume or cancel applies. */
const BUSY = new Set(["printing", "paused", "cancelling", "downloading"]);
const ACTIVE_ITEM = new Set(["queued", "pending_approval", "approved"]);
// Cancel reasons, as SimplyPrint numbers them (apps/simpleprint/state/jobs.py CANCEL_REASONS).
const CANCEL_REASONS = [
  [1, () => gettext("Print failed")], [2, () => gettext("Regretted print")],
  [3, () => gettext("No filament extruded / nozzle clog")], [4, () => gettext("Fell off the plate")],
  [5, () => gettext("Not enough filament")], [6, () => gettext("Other")],
];

const printerName = (p) => p.name || `#${p.sp_id}`;
const itemName = (i) => i.filename || `#${i.sp_id}`;
const fileOf = (p) => (p.current_job || p.last_job)?.file_name || "—";

/** The page's actions, in one table: what it acts on, its endpoint, its permission family
 * (config.can), the audit row's kind (what a pending action is shown as), when it applies to
 * what the page shows, its button, what the dialog says and asks, and the request. */
const ACTIONS = {
  clear_bed: {
    target: "printer", path: "clear-bed", can: "operatePrinters", kind: "clear_bed", bulk: true,
    applies: (p) => Boolean(p.bed_needs_clearing) && !BUSY.has(p.state),
    icon: "🧹", label: () => gettext("Clear bed"),
    title: (p) => fmt(gettext("Clear the bed of %(name)s"), { name: printerName(p) }),
    what: (p) => fmt(gettext("The print %(file)s has ended. Was it good? SimplyPrint marks the bed clear and the printer takes work again."), { file: fileOf(p) }),
    fields: (p) => outcomeFields(["failed", "cancelled"].includes(p.last_job?.status) ? "failed" : "ok"),
    body: (form) => ({ outcome: form.outcome.value, comment: form.comment.value.trim() }),
  },
  pause: {
    target: "printer", path: "pause", can: "operatePrinters", kind: "pause",
    applies: (p) => p.state === "printing",
    icon: "⏸️", label: () => gettext("Pause"),
    title: (p) => fmt(gettext("Pause %(name)s"), { name: printerName(p) }),
    what: (p) => fmt(gettext("Pause the print %(file)s. It can be resumed."), { file: fileOf(p) }),
  },
  resume: {
    target: "printer", path: "resume", can: "operatePrinters", kind: "resume",
    applies: (p) => p.state === "paused",
    icon: "▶️", label: () => gettext("Resume"),
    title: (p) => fmt(gettext("Resume %(name)s"), { name: printerName(p) }),
    what: (p) => fmt(gettext("Resume the paused print %(file)s."), { file: fileOf(p) }),
  },
  cancel: {
    target: "printer", path: "cancel", can: "operatePrinters", kind: "cancel", danger: true,
    applies: (p) => p.state === "printing" || p.state === "paused",
    icon: "⏹️", label: () => gettext("Cancel print"),
    title: (p) => fmt(gettext("Cancel the print on %(name)s"), { name: printerName(p) }),
    what: (p) => fmt(gettext("Stop the print %(file)s for good: it cannot be resumed."), { file: fileOf(p) }),
    fields: () => `<label class="field">${gettext("Reason")} <select name="reason" required data-testid="action-reason">
        <option value="">${gettext("Choose a reason")}</option>
        ${CANCEL_REASONS.map(([value, label]) => `<option value="${value}">${esc(label())}</option>`).join("")}</select></label>
      ${commentField()}`,
    body: (form) => ({ reason: Number(form.reason.value), comment: form.comment.value.trim() }),
  },
  start_next: {
    target: "printer", path: "start-next", can: "operatePrinters", kind: "start",
    applies: (p, next) => p.condition === "ready" && Boolean(next),
    icon: "🚀", label: () => gettext("Start next"),
    title: (p) => fmt(gettext("Start the next print on %(name)s"), { name: printerName(p) }),
    what: (p, next) => fmt(gettext("Print %(file)s: the next queue item the timeline shows for this printer."), { file: next?.label || "—" }),
  },
  approve: {
    target: "queue", path: "approve", can: "manageQueue", kind: "approve", bulk: true,
    applies: (i) => i.state === "pending_approval",
    icon: "👍", label: () => gettext("Approve"),
    title: (i) => fmt(gettext("Approve %(name)s"), { name: itemName(i) }),
    what: () => gettext("The item may be printed once approved."),
    fields: () => commentField(),
    body: (form) => ({ comment: form.comment.value.trim() }),
  },
  deny: {
    target: "queue", path: "deny", can: "manageQueue", kind: "deny", danger: true,
    applies: (i) => i.state === "pending_approval",
    icon: "👎", label: () => gettext("Deny"),
    title: (i) => fmt(gettext("Deny %(name)s"), { name: itemName(i) }),
    what: (i) => fmt(gettext("%(who)s sees the reason."), { who: i.added_by_name || gettext("Whoever added it") }),
    fields: () => `<label class="field">${gettext("Reason")} <textarea name="reason" rows="2" maxlength="500" required data-testid="action-deny-reason"></textarea></label>
      <label class="check"><input type="checkbox" name="remove"> ${gettext("Also remove it from the queue (otherwise it stays, denied, for its owner to revise)")}</label>`,
    body: (form) => ({ reason: form.reason.value.trim(), remove: form.remove.checked }),
  },
  top: {
    target: "queue", path: "move", can: "manageQueue", kind: "move",
    applies: (i, _next, index) => ACTIVE_ITEM.has(i.state) && index > 0,
    icon: "⤒", label: () => gettext("To the top"),
    title: (i) => fmt(gettext("Move %(name)s to the top"), { name: itemName(i) }),
    what: (i, _next, index) => fmt(gettext("From position %(from)s to position 1: it is printed before the rest of the queue."), { from: index + 1 }),
    body: () => ({ position: 1 }),
  },
  move: {
    target: "queue", path: "move", can: "manageQueue", kind: "move",
    applies: (i, _next, _index, size) => ACTIVE_ITEM.has(i.state) && size > 1,
    icon: "↕️", label: () => gettext("Move…"),
    title: (i) => fmt(gettext("Move %(name)s"), { name: itemName(i) }),
    what: (i, _next, index) => fmt(gettext("It is at position %(from)s of the queue."), { from: index + 1 }),
    fields: (i, _next, index, size) => `<label class="field">${gettext("New position (1 = the top)")}
      <input type="number" name="position" min="1" max="${size}" value="${Math.max(1, index)}" required data-testid="action-position"></label>`,
    body: (form) => ({ position: Number(form.position.value) }),
  },
  revive: {
    target: "queue", path: "revive", can: "manageQueue", kind: "revive",
    applies: (i) => i.state === "done",
    icon: "♻️", label: () => gettext("Revive"),
    title: (i) => fmt(gettext("Revive %(name)s"), { name: itemName(i) }),
    what: () => gettext("Bring the done item back into the queue."),
  },
  remove: {
    target: "queue", path: "remove", can: "manageQueue", kind: "remove", danger: true,
    applies: (i) => ACTIVE_ITEM.has(i.state) || i.state === "denied" || i.state === "done",
    icon: "🗑️", label: () => gettext("Remove"),
    title: (i) => fmt(gettext("Remove %(name)s from the queue"), { name: itemName(i) }),
    what: (i) => fmt(gettext("%(left)s copies left are not printed. SimplyPrint deletes the item."), { left: i.left ?? "—" }),
  },
};

/** What a pending action is doing, in words, by the audit row's kind. */
const PENDING = {
  clear_bed: () => gettext("Clearing the bed"), pause: () => gettext("Pausing"),
  resume: () => gettext("Resuming"), cancel: () => gettext("Cancelling"),
  start: () => gettext("Starting the next print"), approve: () => gettext("Approving"),
  deny: () => gettext("Denying"), move: () => gettext("Moving"),
  revive: () => gettext("Reviving"), remove: () => gettext("Removing"),
};
/** An audit row's status, in words. */
const STATUS = {
  sending: () => gettext("sending"), pending: () => gettext("pending"),
  confirmed: () => gettext("confirmed"), mismatch: () => gettext("SimplyPrint did something else"),
  unconfirmed: () => gettext("not confirmed"), failed: () => gettext("failed"),
  refused: () => gettext("refused"),
};

/** An audit row (the drawer's recent actions) in words: the action, and how it ended. */
export function actionWords(row) {
  const spec = Object.values(ACTIONS).find((a) => a.kind === row.kind);
  return {
    what: spec ? `${spec.icon} ${spec.label()}` : row.kind,
    status: (STATUS[row.status] || (() => row.status))(),
  };
}
const QUEUE_KINDS = new Set(["approve", "deny", "move", "revive", "remove"]);

function outcomeFields(chosen) {
  const option = (value, text) => `<label class="choice"><input type="radio" name="outcome" value="${value}"${value === chosen ? " checked" : ""} required data-testid="outcome-${value}"> ${text}</label>`;
  return `<fieldset class="field"><legend>${gettext("The print was")}</legend>
      ${option("ok", `✅ ${gettext("OK")}`)}
      ${option("failed", `❌ ${gettext("Failed: send it back to the queue")}`)}</fieldset>
    ${commentField()}`;
}

function commentField() {
  return `<label class="field">${gettext("Comment (optional, kept in the audit trail)")} <textarea name="comment" rows="2" maxlength="500"></textarea></label>`;
}

/** A key per confirmed request: a double click or a retry is answered, not done twice. */
function requestKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What the page showed of a printer (the card's condition, state and job) or an item. */
function expected(target, row) {
  if (target === "queue") return { state: row.state };
  const job = row.current_job || (row.bed_needs_clearing ? row.last_job : null);
  const shown = { condition: row.condition, state: row.state };
  if (job) shown.job_id = job.sp_id;
  return shown;
}

export class Actions {
  constructor(store, { dialog, bar }) {
    this.store = store;
    this.dialog = dialog;
    this.bar = bar;
    // Walls show the farm; they do not act on it.
    this.enabled = config.display !== "wall";
    this.can = config.can || {};
    this.next = new Map(); // printer → the queue block the projection shows next for it
    this.sending = new Map(); // "printer:385" → the kind being sent (until the server answers)
    this.errors = new Map(); // "printer:385" → what went wrong, in words
    this.mine = new Set(); // ids of the actions this page asked for
    this.selected = { printer: new Set(), queue: new Set() };
    this.opener = null;
    this.drawn = new WeakMap(); // container → what it shows
    this.queueOrder = null;
    document.addEventListener("click", (event) => this.clicked(event));
    document.addEventListener("change", (event) => {
      const box = event.target.closest?.("input[data-select]");
      if (!box) return;
      const chosen = this.selected[box.dataset.select];
      if (box.checked) chosen.add(Number(box.value));
      else chosen.delete(Number(box.value));
      this.renderBar();
    });
    // Closed (confirmed, Back or Esc): the focus goes back to the button that opened it or,
    // when that was redrawn (now "pending…"), to the same printer's or item's place.
    dialog.addEventListener("close", () => {
      const opener = this.opener;
      this.opener = null;
      if (!opener || opener.isConnected) return opener?.focus();
      const { actions, printer, item } = this.openerBox || {};
      const attribute = actions === "printer" ? `data-printer="${printer}"` : `data-item="${item}"`;
      const inDrawer = Boolean(this.openerInDrawer);
      const box = [...document.querySelectorAll(`[data-actions="${actions}"][${attribute}]`)]
        .find((b) => Boolean(b.closest("#printer-drawer")) === inDrawer);
      return (box?.querySelector("button, [tabindex]") || box?.closest(".printer-item"))?.focus();
    });
  }

  /** Anything the user may do at all (else no button, no checkbox). */
  allowed(spec) {
    return this.enabled && Boolean(this.can[spec.can]);
  }

  setProjection(projection) {
    this.next = new Map(projection.printers.map((p) => [p.sp_id, p.blocks.find((b) => b.kind === "queue") || null]));
    this.refreshAll("printer");
  }

  row(target, id) {
    return target === "printer" ? this.store.printers.get(id) : this.store.queue.get(id);
  }

  /** The active queue's order (item → 0 for the top), sorted once per drawing (`fresh`). */
  order(fresh = false) {
    if (fresh || !this.queueOrder) {
      const all = [...this.store.queue.values()].sort((a, b) => a.position - b.position || a.sp_id - b.sp_id);
      this.queueOrder = new Map(all.map((item, index) => [item.sp_id, index]));
    }
    return this.queueOrder;
  }

  /** What a spec's functions are given: the printer and what the timeline shows next for it,
   * or the item, its place in the queue and the queue's length. */
  args(target, row) {
    if (target === "printer") return [row, this.next.get(row.sp_id) || null];
    const order = this.order();
    return [row, null, order.get(row.sp_id) ?? -1, order.size];
  }

  /** The actions that apply to the row now and that the user may take. */
  offered(target, row) {
    const args = this.args(target, row);
    return Object.entries(ACTIONS).filter(([, spec]) => spec.target === target && this.allowed(spec)
      && spec.applies(...args));
  }

  /** The open action on a target: being sent from here, or sent and not yet confirmed. */
  pending(target, id) {
    if (this.sending.has(`${target}:${id}`)) return this.sending.get(`${target}:${id}`);
    for (const action of this.store.actions.values()) {
      if (!action.open) continue;
      const queue = QUEUE_KINDS.has(action.kind);
      if ((target === "queue") === queue && (queue ? action.queue_item_id : action.printer_id) === id) return action.kind;
    }
    return null;
  }

  /** Fills every actions container in `root` (a card, a row, the drawer, the queue table). */
  fill(root) {
    if (!this.enabled) return;
    this.order(true);
    const containers = root.matches?.("[data-actions]") ? [root] : root.querySelectorAll("[data-actions]");
    for (const box of containers) this.fillOne(box);
  }

  fillOne(box) {
    const target = box.dataset.actions;
    const id = Number(target === "printer" ? box.dataset.printer : box.dataset.item);
    const row = this.row(target, id);
    const holder = box.closest(".printer-item, tr");
    if (!row) return;
    const key = `${target}:${id}`;
    const kind = this.pending(target, id);
    const error = this.errors.get(key);
    const name = target === "printer" ? printerName(row) : itemName(row);
    const parts = [];
    if (error) {
      parts.push(`<div class="action-error" role="alert" data-testid="action-error">⚠️ ${esc(error)}
        <button type="button" class="link" data-dismiss="${key}" aria-label="${esc(gettext("Dismiss"))}">✕</button></div>`);
    }
    let selectable = null;
    if (kind) {
      parts.push(`<span class="action-pending" role="status" tabindex="-1" data-testid="action-pending">⏳ ${esc((PENDING[kind] || (() => kind))())} · ${gettext("pending…")}</span>`);
    } else {
      const offered = this.offered(target, row);
      // The queue table's narrow last column: icons, with the words as tooltip and label.
      const compact = target === "queue";
      for (const [action, spec] of offered) {
        parts.push(`<button type="button" class="act${spec.danger ? " danger" : ""}" data-act="${action}" data-target="${target}" data-id="${id}" data-testid="act-${action}" aria-label="${esc(`${spec.label()}: ${name}`)}"${compact ? ` title="${esc(spec.label())}"` : ""}>${spec.icon}${compact ? "" : ` ${esc(spec.label())}`}</button>`);
      }
      // Selecting for the bulk action: on the board only, where the action applies.
      selectable = box.closest(".printer-item, #queue") ? offered.find(([, spec]) => spec.bulk) : null;
    }
    const chosen = this.selected[target];
    if (!selectable && chosen.delete(id)) this.renderBar();
    if (selectable) {
      parts.unshift(`<label class="check select" title="${esc(gettext("Select"))}"><input type="checkbox" data-select="${target}" value="${id}"${chosen.has(id) ? " checked" : ""} data-testid="select" aria-label="${esc(fmt(gettext("Select %(name)s"), { name }))}"></label>`);
    }
    holder?.classList.toggle("acting", Boolean(kind));
    const html = parts.join("");
    if (this.drawn.get(box) === html) return; // unchanged: the focus stays where it is
    // Redrawn: the focus stays on the same control when it is still there.
    const focused = box.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    box.innerHTML = html;
    this.drawn.set(box, html);
    if (focused) box.querySelector(`[data-testid="${focused}"]`)?.focus();
  }

  /** Fills the containers of one printer or item wherever they are (card, row, drawer). */
  refresh(target, id) {
    if (!this.enabled) return;
    this.order(true);
    const attribute = target === "printer" ? "data-printer" : "data-item";
    for (const box of document.querySelectorAll(`[data-actions="${target}"][${attribute}="${id}"]`)) this.fillOne(box);
  }

  refreshAll(target) {
    if (!this.enabled) return;
    this.order(true);
    for (const box of document.querySelectorAll(`[data-actions="${target}"]`)) this.fillOne(box);
  }

  /** An action's audit row changed (live message, or the snapshot after a reconnect). */
  changed(action) {
    const queue = QUEUE_KINDS.has(action.kind);
    const target = queue ? "queue" : "printer";
    const id = queue ? action.queue_item_id : action.printer_id;
    if (!action.open && this.mine.has(action.id) && action.status !== "confirmed") {
      this.errors.set(`${target}:${id}`, action.error || action.result || action.status);
    }
    this.refresh(target, id);
  }

  clicked(event) {
    const dismiss = event.target.closest?.("[data-dismiss]");
    if (dismiss) {
      const [target, id] = dismiss.dataset.dismiss.split(":");
      this.errors.delete(dismiss.dataset.dismiss);
      this.refresh(target, Number(id));
      return;
    }
    const button = event.target.closest?.("button[data-act]");
    if (button) {
      const target = button.dataset.target;
      const row = this.row(target, Number(button.dataset.id));
      if (row) this.confirm(button.dataset.act, [row], button);
      return;
    }
    const bulk = event.target.closest?.("button[data-bulk]");
    if (bulk) {
      const target = bulk.dataset.bulk;
      const rows = [...this.selected[target]].map((id) => this.row(target, id)).filter(Boolean);
      if (rows.length) this.confirm(target === "printer" ? "clear_bed" : "approve", rows, bulk);
      return;
    }
    const clear = event.target.closest?.("button[data-unselect]");
    if (clear) {
      this.selected[clear.dataset.unselect].clear();
      this.refreshAll(clear.dataset.unselect);
      this.renderBar();
    }
  }

  /** The confirmation: what it does to which printer or item (or the list of a selection). */
  confirm(action, rows, opener) {
    const spec = ACTIONS[action];
    const [row] = rows;
    this.order(true);
    const args = this.args(spec.target, row);
    const many = rows.length > 1;
    const title = many
      ? fmt(spec.target === "printer" ? gettext("Clear the beds of %(n)s printers") : gettext("Approve %(n)s queue items"), { n: rows.length })
      : spec.title(...args);
    const what = many
      ? `<ul class="ad-list" data-testid="action-targets">${rows.map((r) => `<li>${esc(spec.target === "printer" ? `${printerName(r)} · ${fileOf(r)}` : itemName(r))}</li>`).join("")}</ul>`
      : `<p>${esc(spec.what(...args))}</p>`;
    const key = requestKey();
    this.opener = opener;
    const box = opener.closest("[data-actions]");
    this.openerBox = box ? { ...box.dataset } : null;
    this.openerInDrawer = Boolean(opener.closest("#printer-drawer"));
    this.dialog.innerHTML = `<form class="action-form" novalidate>
        <h2 id="ad-title">${spec.icon} ${esc(title)}</h2>
        <div id="ad-what">${what}</div>
        ${spec.fields ? spec.fields(...args) : ""}
        <p class="error" data-testid="action-invalid" role="alert" hidden></p>
        <div class="ad-buttons">
          <button type="button" data-close data-testid="action-back">${gettext("Back")}</button>
          <button type="submit" class="primary${spec.danger ? " danger" : ""}" data-testid="action-confirm">${spec.icon} ${esc(many ? spec.label() + ` (${rows.length})` : spec.label())}</button>
        </div></form>`;
    const form = this.dialog.querySelector("form");
    form.querySelector("[data-close]").addEventListener("click", () => this.dialog.close());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const missing = [...form.elements].find((field) => field.required && !field.validity.valid);
      if (missing) {
        const invalid = form.querySelector("[data-testid=action-invalid]");
        invalid.hidden = false;
        invalid.textContent = gettext("Fill in what is marked required.");
        missing.focus();
        return;
      }
      const body = spec.body ? spec.body(form) : {};
      this.dialog.close();
      this.send(action, rows, body, key);
    });
    this.dialog.showModal();
    (form.querySelector("input:not([type=radio]), select, textarea, input:checked") || form.querySelector("[data-testid=action-confirm]")).focus();
  }

  /** POSTs the action; the targets show pending until the server answers, then until their
   * audit rows close (action.updated with open: false). */
  async send(action, rows, params, key) {
    const spec = ACTIONS[action];
    const target = spec.target;
    const ids = rows.map((r) => r.sp_id);
    const bulk = rows.length > 1;
    for (const id of ids) {
      this.sending.set(`${target}:${id}`, spec.kind);
      this.errors.delete(`${target}:${id}`);
      this.selected[target].delete(id);
      this.refresh(target, id);
    }
    this.renderBar();
    const prefix = target === "printer" ? "printers" : "queue";
    let path;
    let body;
    if (bulk) {
      path = `${prefix}/actions/${spec.path}/`;
      const targets = rows.map((r) => ({ sp_id: r.sp_id, expect: expected(target, r) }));
      body = { ...params, [target === "printer" ? "printers" : "items"]: targets };
    } else {
      path = `${prefix}/${ids[0]}/actions/${spec.path}/`;
      const expect = expected(target, rows[0]);
      if (action === "start_next") expect.queue_item_id = this.next.get(ids[0])?.sp_id;
      body = { ...params, expect };
    }
    let answer;
    let failure = null;
    try {
      answer = await api(path, { method: "POST", body, headers: { "Idempotency-Key": key } });
    } catch (error) {
      failure = error;
      answer = error.data || {};
    }
    const actions = answer.actions || (answer.action ? [answer.action] : []);
    for (const row of actions) {
      this.mine.add(row.id);
      if (!this.store.actions.has(row.id)) this.store.setAction(row);
    }
    for (const id of ids) {
      const mine = `${target}:${id}`;
      this.sending.delete(mine);
      const row = actions.find((a) => (target === "printer" ? a.printer_id : a.queue_item_id) === id);
      if (row && !row.open && row.status !== "confirmed") {
        this.errors.set(mine, (bulk ? row.error || answer.detail : answer.detail || row.error) || row.status);
      }
      else if (failure && !row) this.errors.set(mine, this.explain(failure));
      this.refresh(target, id);
    }
  }

  /** An error's words: the server's (and SimplyPrint's, which it passes on), by status. */
  explain(error) {
    const retry = error.status === 429 ? ` ${gettext("Too many requests: wait a minute and try again.")}` : "";
    return `${error.message}${retry}`;
  }

  renderBar() {
    if (!this.enabled) return;
    const part = (target, text, act) => {
      const n = this.selected[target].size;
      return n ? `<div class="sel" data-testid="selection-${target}"><b>${fmt(text, { n })}</b>
        <button type="button" class="primary" data-bulk="${target}" data-testid="bulk-${target}">${act}</button>
        <button type="button" data-unselect="${target}">${gettext("Clear selection")}</button></div>` : "";
    };
    const html = part("printer", gettext("%(n)s printers selected"), `🧹 ${gettext("Clear beds…")}`)
      + part("queue", gettext("%(n)s queue items selected"), `👍 ${gettext("Approve…")}`);
    this.bar.innerHTML = html;
    this.bar.hidden = !html;
  }
}
