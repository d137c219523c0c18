// The live channel: WebSocket with reconnect + backoff, resume from the last seq, and a REST
// fallback (the same snapshot as JSON) every 10 s while the socket is down. "Live" means the
// server is heard: it sends a heartbeat every few seconds, and when two are missed the state is
// "stale" (a frozen server keeps its sockets open); after much longer the socket is replaced.
// "Live" also means changes arrive: each heartbeat names the newest change committed, and a
// page still without it two heartbeats later is "stale" too (heartbeats come from the page's
// own consumer, changes through the channel layer: one can work without the other); a little
// later that socket is replaced, and the new one replays what was missed.
import { api, config } from "./util.js";

const FALLBACK_INTERVAL = 10000;
const MAX_BACKOFF = 15000;
const MISSED_BEATS = 2;
const REPLACE_AFTER_BEATS = 9;
const REPLACE_BEHIND_AFTER_BEATS = 4;

/** The socket boot.js opened while the modules loaded (once), with what it received so far;
 * null when there is none or it closed already (then a new one is opened). */
function takeEarlySocket() {
  const boot = window.planningBoot;
  const socket = boot?.socket;
  if (!socket) return null;
  boot.socket = null;
  if (boot.closed || socket.readyState > WebSocket.OPEN) return null;
  return { socket, opened: boot.opened, messages: boot.messages.splice(0) };
}

export class Live {
  constructor(store, { onState, onMessage, onPong }) {
    this.store = store;
    this.onState = onState;
    this.onMessage = onMessage;
    this.onPong = onPong;
    this.socket = null;
    this.attempt = 0;
    this.holdUntil = 0;
    this.fallbackTimer = null;
    this.reconnectTimer = null;
    this.state = "connecting";
    this.resyncing = false;
    this.heardAt = 0;
    // The change a heartbeat announced that this page does not have yet: { seq, since }.
    this.owed = null;
    this.beatSeconds = config.heartbeat || 5;
    this.onHeartbeat = () => {};
    this.watchdog = setInterval(() => this.checkHeard(), 1000);
  }

  /** Stale when nothing was heard for two heartbeats (plus a little), or when a change a
   * heartbeat announced has not arrived within two more; back to live on the next message
   * (once the change is there). A socket silent for much longer, or still without the change a
   * little later, is given up and a new one opened (it resumes from the last seq). */
  checkHeard() {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || !this.heardAt) return;
    const now = Date.now();
    const silent = (now - this.heardAt) / 1000;
    const behind = this.owed ? (now - this.owed.since) / 1000 : 0;
    if (silent > this.beatSeconds * REPLACE_AFTER_BEATS
        || behind > this.beatSeconds * REPLACE_BEHIND_AFTER_BEATS) {
      const socket = this.socket;
      this.socket = null;
      socket.close(4000, silent > behind ? "no heartbeat" : "changes not arriving");
      this.scheduleReconnect();
    } else if (this.state !== "stale") {
      const late = this.beatSeconds * MISSED_BEATS + 0.5;
      if (silent > late) this.setState("stale", { since: this.heardAt });
      else if (behind > late) this.setState("stale", { since: this.owed.since, behind: true });
    }
  }

  /** After each message: the server is heard, and the change owed may have arrived. */
  heard() {
    this.heardAt = Date.now();
    if (this.owed && this.store.seq >= this.owed.seq) this.owed = null;
    if (this.state === "stale" && !this.owed) this.setState("live");
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    // A page that already has state resumes from it: the server replays what it missed, or
    // sends a fresh snapshot when that is no longer possible.
    const resume = this.store.loaded ? `?last_seq=${this.store.seq}` : "";
    return `${scheme}//${location.host}${config.wsPath}${resume}`;
  }

  setState(state, detail = {}) {
    this.state = state;
    this.onState(state, detail);
  }

  connect() {
    clearTimeout(this.reconnectTimer);
    this.setState(this.attempt ? "reconnecting" : "connecting", { attempt: this.attempt });
    const early = takeEarlySocket();
    const socket = early ? early.socket : new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.heardAt = Date.now();
      this.owed = null;
      this.stopFallback();
      this.setState("live");
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      try {
        // A frame is one message, or an array of them in order (changes sent together).
        const data = JSON.parse(event.data);
        for (const message of Array.isArray(data) ? data : [data]) this.receive(message);
      } finally {
        this.heard();
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (event.code === 4401) {
        location.reload(); // the session ended: the page redirects to the login
        return;
      }
      this.scheduleReconnect();
    };
    if (early) {
      if (early.opened) socket.onopen();
      for (const data of early.messages) socket.onmessage({ data });
    }
  }

  scheduleReconnect() {
    this.attempt += 1;
    const backoff = Math.min(MAX_BACKOFF, 1000 * 2 ** (this.attempt - 1));
    const delay = Math.max(backoff * (0.8 + Math.random() * 0.4), this.holdUntil - Date.now());
    this.setState("offline", { retryAt: Date.now() + delay });
    this.startFallback();
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  receive(message) {
    this.onMessage(message);
    switch (message.type) {
      case "snapshot":
        this.resyncing = false;
        this.store.applySnapshot(message);
        break;
      case "ping":
        this.send({ type: "pong", ping_id: message.ping_id });
        break;
      case "pong":
        this.onPong(message);
        break;
      case "error":
        console.warn("live channel:", message.detail);
        break;
      case "heartbeat":
        this.beatSeconds = message.interval || this.beatSeconds;
        // Changes up to latest_seq are committed: this page must get them shortly.
        if (!this.owed && this.store.loaded && !this.resyncing
            && message.latest_seq > this.store.seq) {
          this.owed = { seq: message.latest_seq, since: Date.now() };
        }
        this.onHeartbeat(message);
        break;
      case "skip":
        // Numbers up to message.seq will never come (their transactions rolled back).
        if (this.store.loaded && message.seq > this.store.seq) this.store.seq = message.seq;
        break;
      default:
        if (message.seq === undefined) {
          if (message.type === "names.updated") this.store.applyNames(message.data);
          break;
        }
        if (this.resyncing) break; // the snapshot asked for covers it
        if (message.seq > this.store.seq + 1 && this.store.loaded) {
          // A hole the server did not announce with "skip": never expected, but if it
          // happens, start again from a snapshot rather than guess what is missing.
          this.resyncing = true;
          this.send({ type: "resync", last_seq: null });
          break;
        }
        this.store.applyDelta(message);
    }
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  /** Round trip of the page's own ping; resolved by onPong with the same id. */
  ping() {
    const id = `p${Date.now()}${Math.random().toString(16).slice(2, 6)}`;
    return this.send({ type: "ping", id, t: performance.now() }) ? id : null;
  }

  startFallback() {
    if (this.fallbackTimer) return;
    const refresh = async () => {
      try {
        const snapshot = await api(config.snapshot);
        if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
          this.store.applySnapshot(snapshot);
          this.onState(this.state, { refreshedAt: Date.now() });
        }
      } catch (error) {
        console.warn("REST fallback failed:", error.message);
      }
    };
    this.fallbackTimer = setInterval(refresh, FALLBACK_INTERVAL);
  }

  stopFallback() {
    clearInterval(this.fallbackTimer);
    this.fallbackTimer = null;
  }

  /** Debug hook: close the socket and stay away for `holdMs` (tests check nothing is lost). */
  drop(holdMs = 0) {
    this.holdUntil = Date.now() + holdMs;
    if (this.socket) this.socket.close(4000, "dropped by the debug hook");
  }
}
