// What each state looks like: colour class + icon + words (never colour alone).
import { gettext } from "./util.js";

// What a printer needs at a glance (apps/simpleprint/state/conditions.py sends `condition`).
export const CONDITIONS = {
  failed: { icon: "❌", label: () => gettext("Failed") },
  ai_flagged: { icon: "🤖", label: () => gettext("AI-flagged") },
  offline: { icon: "🔌", label: () => gettext("Offline") },
  error: { icon: "⚠️", label: () => gettext("Needs attention") },
  cancelled: { icon: "⏹️", label: () => gettext("Cancelled") },
  paused: { icon: "⏸️", label: () => gettext("Paused") },
  bed_to_clear: { icon: "🧹", label: () => gettext("Bed to clear") },
  out_of_order: { icon: "⛔", label: () => gettext("Out of order") },
  printing: { icon: "▶️", label: () => gettext("Printing") },
  downloading: { icon: "⬇️", label: () => gettext("Downloading") },
  cancelling: { icon: "⏹️", label: () => gettext("Cancelling") },
  ready: { icon: "✅", label: () => gettext("Ready") },
  unknown: { icon: "❔", label: () => gettext("Unknown") },
};
/** Conditions that need a person (the attention count, the tab title, "attention first"). */
export const ATTENTION = new Set(["failed", "ai_flagged", "offline", "error", "cancelled", "paused", "bed_to_clear"]);

export function condition(value) {
  const known = CONDITIONS[value] ? value : "unknown";
  const { icon, label } = CONDITIONS[known];
  return { key: known, cls: `c-${known}`, icon, label: label() };
}

const JOB_STATUSES = {
  printing: ["b-info", "▶️", () => gettext("Printing")],
  paused: ["b-warn", "⏸️", () => gettext("Paused")],
  done: ["b-ok", "✅", () => gettext("Done")],
  failed: ["b-bad", "❌", () => gettext("Failed")],
  cancelled: ["", "⏹️", () => gettext("Cancelled")],
  unknown: ["", "❔", () => gettext("Unknown")],
};
export const JOB_STATUS_KEYS = Object.keys(JOB_STATUSES);
export function jobStatus(status) {
  const [cls, icon, label] = JOB_STATUSES[status] || JOB_STATUSES.unknown;
  return `<span class="badge ${cls}">${icon} ${label()}</span>`;
}

const QUEUE_STATES = {
  queued: ["b-info", "🕒", () => gettext("Queued")],
  approved: ["b-ok", "👍", () => gettext("Approved")],
  pending_approval: ["b-warn", "⏳", () => gettext("Awaiting approval")],
};
export function queueState(state) {
  const [cls, icon, label] = QUEUE_STATES[state] || ["", "•", () => state];
  return `<span class="badge ${cls}">${icon} ${label()}</span>`;
}

const PLAN_STATUSES = {
  no_printer: ["b-bad", "🚫", () => gettext("No printer may print it")],
  partly_scheduled: ["b-warn", "◐", () => gettext("Partly scheduled")],
  beyond_limit: ["", "…", () => gettext("Beyond the projection")],
};
export function planStatus(status) {
  const entry = PLAN_STATUSES[status];
  return entry ? `<span class="badge ${entry[0]}">${entry[1]} ${entry[2]()}</span>` : "";
}

const EVENT_STATUSES = {
  processed: ["b-ok", "✅", () => gettext("Processed")],
  ignored: ["", "➖", () => gettext("Ignored")],
  failed: ["b-bad", "❌", () => gettext("Failed")],
  pending: ["b-warn", "⏳", () => gettext("Pending")],
};
export function eventStatus(status) {
  const [cls, icon, label] = EVENT_STATUSES[status] || EVENT_STATUSES.pending;
  return `<span class="badge ${cls}">${icon} ${label()}</span>`;
}

export const REASONS = {
  offline: () => gettext("offline"),
  error: () => gettext("needs attention"),
  out_of_order: () => gettext("out of order"),
  unknown: () => gettext("state unknown"),
};
