// The page's copy of the farm: a snapshot, then deltas in sequence order.
import { Names } from "./names.js";

const ACTIVE_QUEUE = new Set(["queued", "pending_approval", "approved"]);
const KEEP_JOBS = 500;
const KEEP_EVENTS = 500;
const KEEP_ACTIONS = 200;

export class Store {
  constructor() {
    this.seq = 0;
    this.loaded = false;
    this.printers = new Map();
    this.queue = new Map();
    this.jobs = new Map();
    this.events = new Map();
    // Operator actions by id: the open ones (shown pending) and the latest closed ones (an
    // answer to this page's request that comes after its confirmation must not reopen it).
    this.actions = new Map();
    this.names = new Names();
    this.listeners = [];
  }

  on(listener) { this.listeners.push(listener); }

  emit(kind, data) { for (const listener of this.listeners) listener(kind, data); }

  applySnapshot(snapshot) {
    const data = snapshot.data;
    this.seq = snapshot.seq;
    this.printers = new Map(unpack(data.printers).map((p) => [p.sp_id, p]));
    this.queue = new Map(unpack(data.queue).map((q) => [q.sp_id, q]));
    this.jobs = new Map(unpack(data.recent_jobs).map((j) => [j.sp_id, j]));
    this.events = new Map(unpack(data.recent_events).map((e) => [e.id, e]));
    this.actions = new Map(unpack(data.open_actions || { fields: [], rows: [] }).map((a) => [a.id, a]));
    this.names.replace(data.names || {});
    this.loaded = true;
    this.emit("snapshot", null);
  }

  /** Applies one delta; returns false when it was already applied (seq not newer). */
  applyDelta(message) {
    if (message.seq <= this.seq) return false;
    this.seq = message.seq;
    const data = message.data;
    switch (message.type) {
      case "printer.updated":
        this.printers.set(data.sp_id, data);
        break;
      case "job.updated":
        this.jobs.delete(data.sp_id);
        this.jobs.set(data.sp_id, data);
        trim(this.jobs, KEEP_JOBS);
        break;
      case "queue.updated":
        if (ACTIVE_QUEUE.has(data.state)) this.queue.set(data.sp_id, data);
        else this.queue.delete(data.sp_id);
        break;
      case "event.received":
        this.events.delete(data.id);
        this.events.set(data.id, data);
        trim(this.events, KEEP_EVENTS);
        break;
      case "names.updated":
        this.names.merge(data);
        break;
      case "action.updated":
        this.setAction(data);
        break;
      default:
        break;
    }
    this.emit(message.type, data);
    return true;
  }

  /** A change of names sent outside the sequence (no seq). */
  applyNames(names) {
    this.names.merge(names);
    this.emit("names.updated", names);
  }

  /** An operator action as the live channel (or this page's own request) shows it. */
  setAction(action) {
    this.actions.delete(action.id);
    this.actions.set(action.id, action);
    trim(this.actions, KEEP_ACTIONS);
  }

  mergeJobs(jobs) {
    for (const job of jobs) this.jobs.set(job.sp_id, job);
    this.emit("jobs.merged", null);
  }
}

/** The rows of a snapshot's packed table ({fields, rows}; a row may stop before its trailing
 * empty values) as the objects a delta carries: a null value is a field left out. */
export function unpack(table) {
  const { fields, rows } = table;
  return rows.map((row) => {
    const item = {};
    for (let i = 0; i < row.length; i += 1) if (row[i] !== null) item[fields[i]] = row[i];
    return item;
  });
}

function trim(map, keep) {
  while (map.size > keep) map.delete(map.keys().next().value);
}
