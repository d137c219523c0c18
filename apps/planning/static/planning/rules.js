// The two rules of apps/simpleprint/state/rules.py, for the page: whether a printer's state is
// fresh, and the progress of its print between reports. tests/fixtures/rules_cases.json is run
// against both implementations (pytest and the browser test), so they cannot drift apart.
import { epoch } from "./util.js";

/** "none" | "stale" | "live" | "polled": `heard` and `now` in seconds, `limit` from the server. */
export function freshness(heard, source, now, limit) {
  if (heard === null || heard === undefined) return "none";
  if (now - heard > limit) return "stale";
  return source === "webhook" ? "live" : "polled";
}

/** [progress %, seconds left] now: extrapolated towards 100 % at the last known end while
 * printing, never past 99 % before SimplyPrint says the job is done. */
export function shownProgress(state, progress, timeLeft, progressAt, startedAt, estimate, now) {
  if (state !== "printing" || progressAt === null || progressAt === undefined) return [progress, timeLeft];
  const elapsed = Math.max(0, now - progressAt);
  let left = timeLeft;
  if ((left === null || left === undefined) && startedAt !== null && startedAt !== undefined && estimate) {
    left = Math.max(0, Math.trunc(startedAt + estimate - progressAt));
  }
  if (!left) return [progress, left];
  const base = progress || 0;
  const share = Math.min(1, elapsed / left);
  return [Math.min(99, Math.trunc(base + (100 - base) * share)), Math.max(0, Math.trunc(left - elapsed))];
}

export function printerFreshness(printer, now, limit) {
  return freshness(epoch(printer.heard_at), printer.state_source, now, limit);
}

export function printerProgress(printer, now) {
  const job = printer.current_job;
  return shownProgress(printer.state, printer.progress, printer.time_left, epoch(printer.progress_at),
    job ? epoch(job.started_at) : null, job ? job.estimate_seconds : null, now);
}
