// Alerts on the page: the tab title carries the attention count ("(3) Planning V2"), and new
// failures, AI flags, offline printers and items awaiting approval can beep and raise a browser
// notification. Each kind can be muted; the choices are kept per user in this browser.
import { ATTENTION } from "./labels.js";
import { Prefs } from "./prefs.js";
import { esc, fmt, gettext } from "./util.js";

export const KINDS = {
  failed: () => gettext("Failures"),
  ai_flagged: () => gettext("AI flags"),
  offline: () => gettext("Offline printers"),
  approval: () => gettext("Awaiting approval"),
};
const DEFAULTS = { sound: false, notify: false, muted: [] };
/** Alerts remembered for the tests and the console; a wall screen runs for days. */
const FIRED_KEPT = 50;

export class Alerts {
  constructor(store, { button, panel }) {
    this.store = store;
    this.button = button;
    this.panel = panel;
    this.baseTitle = document.title;
    this.stored = new Prefs("alerts", DEFAULTS);
    this.prefs = this.stored.values;
    this.conditions = new Map();
    this.pending = new Set();
    this.count = 0;
    this.fired = [];
    button.addEventListener("click", () => this.show(panel.hidden));
    panel.addEventListener("change", (event) => this.change(event.target));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !panel.hidden) { event.preventDefault(); this.show(false); button.focus(); }
    });
    this.renderPanel();
  }

  show(open) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    this.renderPanel();
  }

  save() {
    this.stored.set(this.prefs);
  }

  renderPanel() {
    const kinds = Object.entries(KINDS).map(([kind, label]) => `<label><input type="checkbox" data-kind="${kind}"${this.prefs.muted.includes(kind) ? "" : " checked"}> ${esc(label())}</label>`).join("");
    this.panel.innerHTML = `<div class="small muted">${gettext("Alert me about")}</div>${kinds}
      <hr><label><input type="checkbox" data-pref="sound"${this.prefs.sound ? " checked" : ""}> 🔊 ${gettext("Sound")}</label>
      <label><input type="checkbox" data-pref="notify"${this.prefs.notify ? " checked" : ""}> 🔔 ${gettext("Browser notification")}</label>
      <div class="small muted">${gettext("Kept for your user in this browser.")}</div>`;
    this.button.textContent = this.prefs.sound || this.prefs.notify ? "🔔" : "🔕";
  }

  async change(input) {
    if (input.dataset.kind) {
      const muted = new Set(this.prefs.muted);
      if (input.checked) muted.delete(input.dataset.kind);
      else muted.add(input.dataset.kind);
      this.prefs.muted = [...muted];
    } else if (input.dataset.pref) {
      this.prefs[input.dataset.pref] = input.checked;
      if (input.dataset.pref === "notify" && input.checked && "Notification" in window && Notification.permission === "default") {
        await Notification.requestPermission();
      }
    }
    this.save();
    this.renderPanel();
  }

  /** The whole farm arrived: remember it without alerting. */
  snapshot() {
    this.conditions = new Map([...this.store.printers.values()].map((p) => [p.sp_id, p.condition]));
    this.pending = new Set([...this.store.queue.values()].filter((i) => i.state === "pending_approval").map((i) => i.sp_id));
    this.updateTitle();
  }

  printer(printer) {
    const before = this.conditions.get(printer.sp_id);
    this.conditions.set(printer.sp_id, printer.condition);
    if (before !== undefined && before !== printer.condition && ["failed", "ai_flagged", "offline"].includes(printer.condition)) {
      const text = {
        failed: () => fmt(gettext("Print failed on %(printer)s"), { printer: printer.name }),
        ai_flagged: () => fmt(gettext("AI flagged the print on %(printer)s"), { printer: printer.name }),
        offline: () => fmt(gettext("%(printer)s is offline"), { printer: printer.name }),
      }[printer.condition]();
      const detail = printer.condition === "offline" ? printer.current_job?.file_name : (printer.last_job || printer.current_job)?.file_name;
      this.fire(printer.condition, text, detail || "");
    }
    this.updateTitle();
  }

  queueItem(item) {
    const waiting = item.state === "pending_approval";
    if (waiting && !this.pending.has(item.sp_id)) {
      this.fire("approval", fmt(gettext("Awaiting approval: %(file)s"), { file: item.filename }), item.added_by_name || "");
    }
    if (waiting) this.pending.add(item.sp_id);
    else this.pending.delete(item.sp_id);
    this.updateTitle();
  }

  fire(kind, title, body) {
    if (this.prefs.muted.includes(kind)) return;
    this.fired.push({ kind, title, body });
    if (this.fired.length > FIRED_KEPT) this.fired.splice(0, this.fired.length - FIRED_KEPT);
    if (this.prefs.sound) beep();
    if (this.prefs.notify && "Notification" in window && Notification.permission === "granted") {
      try { new Notification(title, { body, tag: `${kind}:${title}` }); } catch { /* not allowed here */ }
    }
  }

  /** How many printers and queue items need a person. */
  attention() {
    let count = 0;
    for (const printer of this.store.printers.values()) if (ATTENTION.has(printer.condition)) count += 1;
    for (const item of this.store.queue.values()) if (item.state === "pending_approval") count += 1;
    return count;
  }

  updateTitle() {
    this.count = this.attention();
    document.title = this.count ? `(${this.count}) ${this.baseTitle}` : this.baseTitle;
  }
}

let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  } catch { /* no audio in this browser */ }
}
