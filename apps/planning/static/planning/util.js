// Small helpers shared by the page's modules: translation, formatting, HTTP.
export const config = JSON.parse(document.getElementById("planning-config").textContent);
const lang = config.language || document.documentElement.lang || "ru";

// The page's translations come with the page (views.js_catalog): {"msgid": "msgstr"}.
const catalog = JSON.parse(document.getElementById("planning-i18n")?.textContent || "{}");
export const gettext = (text) => {
  const found = catalog[text];
  return (Array.isArray(found) ? found[0] : found) || text;
};
/** Fills %(name)s placeholders of an already translated text. */
export const fmt = (text, values) =>
  text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A colour the page may paint with (the server stores only these, too). */
export const hexColour = (value) =>
  typeof value === "string" && /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(value) ? value : "";

// Positions, widths and colours are never written into HTML as inline style attributes (the
// Content-Security-Policy forbids them): markup carries them as data-* attributes, and applyStyles()
// sets them as CSS custom properties through the CSSOM, which the policy allows.
const STYLE_VARS = { left: "--left", width: "--width", progress: "--progress", swatch: "--swatch" };

export function applyStyles(root) {
  for (const [name, property] of Object.entries(STYLE_VARS)) {
    const attribute = `data-${name}`;
    const targets = root.matches?.(`[${attribute}]`) ? [root] : [];
    for (const el of [...targets, ...root.querySelectorAll(`[${attribute}]`)]) {
      const raw = el.getAttribute(attribute);
      const value = name === "swatch" ? hexColour(raw) : Number.isFinite(Number(raw)) ? `${Number(raw)}%` : "";
      if (value) el.style.setProperty(property, value);
    }
  }
}

/** Seconds since the epoch from an ISO string, a number of seconds, or null. */
export function epoch(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms / 1000;
}

export const now = () => Date.now() / 1000;

const relFormat = new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" });
/** "5 min ago", "in 2 h": relative to now. */
export function rel(value) {
  const ts = epoch(value);
  if (ts === null) return "—";
  const diff = ts - now();
  const abs = Math.abs(diff);
  if (abs < 45) return relFormat.format(0, "second");
  if (abs < 3600) return relFormat.format(Math.round(diff / 60), "minute");
  if (abs < 86400 * 2) return relFormat.format(Math.round(diff / 3600), "hour");
  return relFormat.format(Math.round(diff / 86400), "day");
}

/** "2 h 10 min" */
export function dur(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  if (h === 0) return fmt(gettext("%(m)s min"), { m: Math.max(m, s > 0 ? 1 : 0) });
  return m ? fmt(gettext("%(h)s h %(m)s min"), { h, m }) : fmt(gettext("%(h)s h"), { h });
}

const timeFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
const dayTimeFormat = new Intl.DateTimeFormat(lang, { weekday: "short", hour: "2-digit", minute: "2-digit" });
/** "14:05" today, "Tue 14:05" another day. */
export function clock(value) {
  const ts = epoch(value);
  if (ts === null) return "—";
  const date = new Date(ts * 1000);
  const sameDay = date.toDateString() === new Date().toDateString();
  return (sameDay ? timeFormat : dayTimeFormat).format(date);
}

function cookie(name) {
  const found = document.cookie.split("; ").find((row) => row.startsWith(name + "="));
  return found ? decodeURIComponent(found.split("=")[1]) : "";
}

/** JSON over fetch with the session and CSRF token (and any extra `headers`); throws
 * Error(detail) when not 2xx, with the HTTP `status` and the answer's `data` on it. */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const url = path.startsWith("/") ? path : config.api + path;
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken"), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof data.detail === "string" ? data.detail
      : Object.values(data).flat().filter((v) => typeof v === "string").join(" ");
    throw Object.assign(new Error(detail || `HTTP ${response.status}`), { status: response.status, data });
  }
  return data;
}

/** Calls fn at most once per `interval` ms, always running the last request (trailing). */
export function throttle(fn, interval) {
  let last = 0;
  let timer = null;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + interval - Date.now());
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, wait);
  };
}

export function debounce(fn, delay) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), delay);
  };
}
