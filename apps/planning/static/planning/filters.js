// What the operator looks at: a search, a condition or attention filter, an order, the board's
// view (cards, list, heat map) and grouping, kept in the URL (?q=&show=&sort=&view=&group=) so
// that a link or a wall screen opens the same view; the view and the grouping are also
// remembered for the user (prefs.js) and used when the URL does not say. One filter for the
// board, the timeline and the queue.
import { ATTENTION, CONDITIONS } from "./labels.js";

export const VIEWS = ["cards", "list", "map"];
export const GROUPINGS = ["", "bay", "model", "state"];

/** Filters that pick printers: each a predicate of a printer. */
export const PRINTER_FILTERS = {
  attention: (p) => ATTENTION.has(p.condition),
  failed: (p) => p.condition === "failed",
  ai_flagged: (p) => p.condition === "ai_flagged",
  offline: (p) => p.condition === "offline",
  bed_to_clear: (p) => Boolean(p.bed_needs_clearing) && p.condition !== "offline",
  paused: (p) => p.condition === "paused",
  ...Object.fromEntries(Object.keys(CONDITIONS).map((c) => [`is:${c}`, (p) => p.condition === c])),
};
/** Filters that pick queue items. */
export const QUEUE_FILTERS = {
  approval: (item) => item.state === "pending_approval",
};
const ORDER = ["failed", "ai_flagged", "offline", "error", "cancelled", "paused", "bed_to_clear",
  "out_of_order", "unknown", "cancelling", "downloading", "printing", "ready"];

export function attentionRank(printer) {
  const rank = ORDER.indexOf(printer.condition);
  return rank < 0 ? ORDER.length : rank;
}

export class Filter {
  constructor(names, prefs) {
    this.names = names;
    this.prefs = prefs;
    const params = new URLSearchParams(location.search);
    this.q = params.get("q") || "";
    this.show = params.get("show") || "";
    this.sort = params.get("sort") || "";
    if (this.show && !PRINTER_FILTERS[this.show] && !QUEUE_FILTERS[this.show]) this.show = "";
    const remembered = (key) => (params.has(key) ? params.get(key) : prefs.get(key));
    this.view = VIEWS.includes(remembered("view")) ? remembered("view") : VIEWS[0];
    this.group = GROUPINGS.includes(remembered("group")) ? remembered("group") : "";
  }

  set(changes) {
    Object.assign(this, changes);
    const remember = Object.fromEntries(["view", "group"].filter((key) => key in changes).map((key) => [key, changes[key]]));
    if (Object.keys(remember).length) this.prefs.set(remember);
    const params = new URLSearchParams(location.search);
    for (const key of ["q", "show", "sort"]) {
      if (this[key]) params.set(key, this[key]);
      else params.delete(key);
    }
    // A view or grouping chosen here goes into the URL even when it is the default: a link
    // then opens this view whatever its reader chose before.
    for (const key of Object.keys(remember)) params.set(key, this[key]);
    const query = params.toString();
    history.replaceState(null, "", `${location.pathname}${query ? "?" + query : ""}${location.hash}`);
  }

  /** The search, as typed, is in `text` (case and repeated spaces aside). */
  found(text) {
    const query = this.q.trim().toLowerCase().replace(/\s+/g, " ");
    return !query || text.toLowerCase().replace(/\s+/g, " ").includes(query);
  }

  printerText(p) {
    const n = this.names;
    const group = n.ofPrinter("groups", p) || "";
    const model = n.ofPrinter("models", p) || "";
    const tags = (p.custom_tags || []).map((t) => n.label("tags", t)).join(" ");
    const material = (p.material || []).map((m) => (m && typeof m === "object"
      ? `${n.material(m.type ?? m.name ?? m.material)} ${m.colorName || m.color || ""}` : String(m))).join(" ");
    const files = [p.current_job?.file_name, p.last_job?.file_name].filter(Boolean).join(" ");
    return `${p.name} ${group} ${model} ${tags} ${material} ${files}`;
  }

  matchesPrinter(p) {
    const pick = PRINTER_FILTERS[this.show];
    if (pick && !pick(p)) return false;
    return this.found(this.printerText(p));
  }

  matchesItem(item, store) {
    const pick = QUEUE_FILTERS[this.show];
    if (pick && !pick(item)) return false;
    const n = this.names;
    const text = [item.filename, item.note, item.added_by_name, n.find("queue_groups", item.group_id),
      ...(item.for_models || []).map((m) => n.find("models", m)),
      ...(item.for_groups || []).map((g) => n.find("groups", g)),
      ...(item.for_printers || []).map((id) => store.printers.get(Number(id))?.name)].filter(Boolean).join(" ");
    return this.found(text);
  }

  /** Printers in board order, or attention first (then board order). */
  order(printers) {
    if (this.sort !== "attention") return printers;
    return [...printers].sort((a, b) => attentionRank(a) - attentionRank(b));
  }
}
