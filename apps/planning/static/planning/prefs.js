// What a user chose on this page, kept in this browser per user (localStorage): the board's
// view and grouping, the timeline's zoom, collapsed sections, the alerts. The URL wins over a
// remembered choice (a link or a wall screen opens exactly its view).
import { config } from "./util.js";

export class Prefs {
  constructor(name, defaults) {
    this.key = `printfarm.${name}.${config.user || "anonymous"}`;
    this.values = { ...defaults, ...this.load() };
  }

  load() {
    try { return JSON.parse(localStorage.getItem(this.key) || "{}"); } catch { return {}; }
  }

  get(name) { return this.values[name]; }

  set(changes) {
    Object.assign(this.values, changes);
    try { localStorage.setItem(this.key, JSON.stringify(this.values)); } catch { /* private mode */ }
  }
}
