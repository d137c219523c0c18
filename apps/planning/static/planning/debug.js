// The "Debug API" panel: webhooks at SimplyPrint, the live event log, sample deliveries,
// the WebSocket ping and the ingestion mode.
import { eventStatus } from "./labels.js";
import { api, clock, config, esc, fmt, rel, gettext } from "./util.js";

const MESSAGES_KEPT = 100;

export class DebugPanel {
  constructor(store, live, root) {
    this.store = store;
    this.live = live;
    this.root = root;
    this.$ = (sel) => root.querySelector(sel);
    this.messages = [];
    this.openPings = new Map();
    this.selected = null;
    this.samples = [];
    this.onWebhooksChanged = () => {};
    this.bind();
  }

  bind() {
    this.opener = document.getElementById("debug-open");
    this.opener.addEventListener("click", () => this.open());
    this.$("#debug-close").addEventListener("click", () => this.close());
    for (const tab of this.root.querySelectorAll(".tab")) {
      tab.addEventListener("click", () => this.showTab(tab.dataset.tab));
      tab.addEventListener("keydown", (e) => {
        if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
        const tabs = [...this.root.querySelectorAll(".tab")];
        const next = tabs[(tabs.indexOf(tab) + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
        this.showTab(next.dataset.tab);
        next.focus();
      });
    }
    // ↻ Refresh asks SimplyPrint again; opening the panel shows what it last said (no API call).
    this.$("#webhooks-refresh").addEventListener("click", () => this.loadWebhooks(true));
    this.$("#webhooks").addEventListener("click", (e) => this.webhookAction(e));
    this.$("#inject-form")?.addEventListener("submit", (e) => this.inject(e));
    this.$("#ping-btn").addEventListener("click", () => this.ping());
    this.$("#events-filter").addEventListener("change", () => this.renderEvents());
    const pick = (e) => {
      const sample = e.target.closest("tr[data-sample]");
      if (sample) return this.showSample(Number(sample.dataset.sample));
      const row = e.target.closest("tr[data-id]");
      if (row) this.showEvent(Number(row.dataset.id));
      return undefined;
    };
    this.$("#events tbody").addEventListener("click", pick);
    this.$("#events tbody").addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(e); }
    });
    this.$("#event-detail").addEventListener("click", (e) => {
      const button = e.target.closest("[data-reprocess]");
      if (button) this.reprocess(Number(button.dataset.reprocess), button);
    });
  }

  isOpen() {
    return !this.root.hidden;
  }

  open() {
    this.root.hidden = false;
    this.opener.setAttribute("aria-expanded", "true");
    this.root.focus();
    this.loadWebhooks();
    this.loadMode();
    this.renderEvents();
  }

  /** Closes the panel; the focus goes back to its button. */
  close() {
    this.root.hidden = true;
    this.opener.setAttribute("aria-expanded", "false");
    this.opener.focus();
  }

  showTab(name) {
    for (const tab of this.root.querySelectorAll(".tab")) {
      tab.classList.toggle("active", tab.dataset.tab === name);
      tab.setAttribute("aria-selected", tab.dataset.tab === name);
      tab.tabIndex = tab.dataset.tab === name ? 0 : -1;
    }
    for (const body of this.root.querySelectorAll("[data-tab-body]")) body.hidden = body.dataset.tabBody !== name;
    if (name === "messages") this.renderMessages();
  }

  // --- webhooks -----------------------------------------------------------------------------
  async loadWebhooks(refresh = false) {
    const box = this.$("#webhooks");
    try {
      const overview = await api(refresh ? "webhook/test/?refresh=1" : "webhook/test/");
      this.overview = overview;
      this.renderMode();
      const counts = overview.counts;
      const head = `<p class="small">${fmt(gettext("Receiver: %(url)s"), { url: `<code>${esc(overview.receiver_url)}</code>` })}
        · ${overview.secret_configured ? "🔐 " + gettext("secret configured") : "⚠️ " + gettext("no secret configured")}
        · ${fmt(gettext("%(received)s received, %(processed)s processed, %(failed)s failed"), counts)}
        · ${gettext("last delivery")} ${rel(overview.last_received_at)}
        · ${gettext("asked SimplyPrint")} ${rel(overview.webhooks_checked_at)}</p>`;
      if (!overview.webhooks) {
        box.innerHTML = head + `<p class="error">⚠️ ${esc(overview.webhooks_error || gettext("SimplyPrint could not be asked."))}</p>`;
        return;
      }
      if (!overview.webhooks.length) {
        box.innerHTML = head + `<p class="muted">${gettext("No webhook is registered at SimplyPrint.")}</p>`;
        return;
      }
      const hidden = overview.hidden_webhooks ? `<p class="small muted" data-testid="webhooks-hidden">🔒 ${fmt(gettext("%(n)s registrations of other integrations are hidden."), { n: overview.hidden_webhooks })}</p>` : "";
      box.innerHTML = head + hidden + overview.webhooks.map((hook) => {
        const ours = hook.url === overview.receiver_url;
        (this.hooks = this.hooks || new Map()).set(hook.id, { ours, url: hook.url });
        return `<div class="hook" data-testid="webhook-${esc(hook.id)}" data-enabled="${hook.enabled ? "true" : "false"}">
          <div class="title"><b>#${esc(hook.id)} ${esc(hook.name || "")}</b>
            ${hook.enabled ? `<span class="badge b-ok">✅ ${gettext("enabled")}</span>` : `<span class="badge b-bad">⏸️ ${gettext("disabled")}</span>`}
            ${ours ? `<span class="badge b-info">🎯 ${gettext("points at this server")}</span>` : ""}
            <span class="muted small">${fmt(gettext("%(n)s events"), { n: (hook.events || []).length })}</span></div>
          <div class="actions">
            ${config.can.manageWebhooks ? `<button type="button" data-hook="${esc(hook.id)}" data-action="${hook.enabled ? "disable" : "enable"}" data-testid="webhook-toggle-${esc(hook.id)}">${hook.enabled ? "⏸️ " + gettext("Disable") : "▶️ " + gettext("Enable")}</button>` : ""}
            ${config.can.testWebhooks ? `<button type="button" data-hook="${esc(hook.id)}" data-action="test" data-testid="webhook-test-${esc(hook.id)}">🧪 ${gettext("Test")}</button>` : ""}
          </div>
          <div class="url">${esc(hook.url)}</div>
          <div class="small muted" data-result="${esc(hook.id)}"></div>
        </div>`;
      }).join("");
    } catch (error) {
      box.innerHTML = `<p class="error">⚠️ ${esc(error.message)}</p>`;
    }
  }

  async webhookAction(event) {
    const button = event.target.closest("button[data-hook]");
    if (!button) return;
    const id = Number(button.dataset.hook);
    const result = this.$(`[data-result="${id}"]`);
    if (button.dataset.action === "disable") return this.confirmDisable(id, result);
    if (button.dataset.action === "keep") { result.textContent = ""; return undefined; }
    button.disabled = true;
    try {
      if (button.dataset.action === "test") {
        const outcome = await api("webhook/test/", { method: "POST", body: { webhook_id: id } });
        result.textContent = "🧪 " + gettext("Test delivery requested; it appears in the event log below when it arrives.");
        result.title = outcome.message;
      } else {
        await api(`webhook/hooks/${id}/enabled/`, { method: "POST", body: { enabled: button.dataset.action === "enable" } });
        await this.loadWebhooks();
        this.onWebhooksChanged();
      }
    } catch (error) {
      result.textContent = "⚠️ " + error.message;
    } finally {
      button.disabled = false;
    }
  }

  /** Disabling says what it does first, and waits for a second click. */
  confirmDisable(id, result) {
    const hook = this.hooks?.get(id) || {};
    const text = hook.ours
      ? gettext("Disabling this server's own webhook stops SimplyPrint's deliveries here: changes then arrive only by polling the API (every 30 s), and the page shows “Polling”. Disable it?")
      : fmt(gettext("SimplyPrint stops delivering to %(url)s. Disable it?"), { url: hook.url || "?" });
    result.innerHTML = `<div class="confirm" data-testid="confirm-disable-${id}">⚠️ ${esc(text)}
      <button type="button" data-hook="${id}" data-action="confirm-disable" data-testid="confirm-disable">⏸️ ${gettext("Disable")}</button>
      <button type="button" data-hook="${id}" data-action="keep">${gettext("Keep it enabled")}</button></div>`;
    result.querySelector('[data-action="confirm-disable"]').addEventListener("click", async (event) => {
      event.stopPropagation();
      event.target.disabled = true;
      try {
        await api(`webhook/hooks/${id}/enabled/`, { method: "POST", body: { enabled: false } });
        await this.loadWebhooks();
        this.onWebhooksChanged();
      } catch (error) {
        result.textContent = "⚠️ " + error.message;
      }
    });
  }

  /** A sample runs through the real processing and is rolled back: the log shows what it
   * would have changed, and the farm keeps nothing of it. */
  async inject(event) {
    event.preventDefault();
    const name = this.$("#inject-event").value;
    const out = this.$("#inject-result");
    out.textContent = "…";
    try {
      const outcome = await api("webhook/test/", { method: "POST", body: { inject_event: name } });
      const sample = { id: this.samples.length + 1, at: Date.now() / 1000, ...outcome };
      this.samples.unshift(sample);
      out.innerHTML = `${fmt(gettext("Sample %(event)s: would be %(status)s, would change %(n)s; rolled back, nothing kept."), {
        event: esc(name), status: esc(outcome.status), n: outcome.changes.length })} ${eventStatus(outcome.status)}`;
      this.renderEvents();
      this.showSample(sample.id);
    } catch (error) {
      out.textContent = "⚠️ " + error.message;
    }
  }

  showSample(id) {
    const sample = this.samples.find((s) => s.id === id);
    if (!sample) return;
    this.selected = `s${id}`;
    this.renderEvents();
    const box = this.$("#event-detail");
    box.hidden = false;
    const changes = sample.changes.map((c) => `<li><b>${esc(c.type)}</b> ${esc(c.data.name || c.data.file_name || c.data.filename || c.data.event || "")} ${c.data.sp_id ?? c.data.id ?? ""}</li>`).join("");
    box.innerHTML = `<div class="row"><b>🧪 ${esc(sample.event)}</b> ${eventStatus(sample.status)} <span class="badge">↩️ ${gettext("rolled back")}</span></div>
      ${sample.error ? `<p class="error">❌ ${esc(sample.error)}</p>` : ""}
      <p class="small">${gettext("What it would have changed (nothing was kept):")}</p>
      <ul class="small" data-testid="sample-changes">${changes || `<li>${gettext("nothing")}</li>`}</ul>
      <pre data-testid="event-payload">${esc(JSON.stringify(sample.changes, null, 2))}</pre>`;
  }

  // --- mode -----------------------------------------------------------------------------------
  async loadMode() {
    try {
      this.mode = await api(config.mode);
      this.renderMode();
    } catch (error) {
      this.$("#mode-detail").textContent = "⚠️ " + error.message;
    }
  }

  renderMode() {
    const mode = this.mode?.mode || this.overview?.mode;
    if (!mode) return;
    const info = this.mode?.info;
    const usage = info?.api;
    const polling = mode === "polling";
    const rows = [];
    if (info?.reason) rows.push([gettext("Why"), esc(info.reason)]);
    if (usage) {
      rows.push([gettext("API calls in the last hour"), esc(usage.calls ?? "—")]);
      rows.push([gettext("Rate-limit headroom"), fmt(gettext("%(n)s of %(limit)s requests per minute"), {
        n: esc(usage.headroom_per_minute ?? "—"), limit: esc(usage.rate_limit_per_minute ?? "—") })]);
    }
    if (info) {
      rows.push([gettext("Last poll"), info.last_poll_at ? `${clock(info.last_poll_at)} <span class="muted">${rel(info.last_poll_at)}</span>` : "—"]);
      if (polling && info.next_poll_at) rows.push([gettext("Next poll"), clock(info.next_poll_at)]);
      if (info.last_error) rows.push([gettext("Last error"), `<span class="error">${esc(info.last_error)}</span>`]);
    }
    this.$("#mode-detail").innerHTML = `<div class="big">${polling ? "🔄 " + gettext("Polling") : "⚡ " + gettext("Webhooks")}</div>
      <div class="small muted">${polling ? gettext("Webhooks are not arriving: state is read from the API.") : gettext("State arrives as SimplyPrint sends it.")}</div>
      ${rows.length ? `<dl class="kv">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>`
        : `<div class="small muted">${gettext("API usage is not reported by this build.")}</div>`}`;
  }

  // --- ping -----------------------------------------------------------------------------------
  async ping() {
    const out = this.$("#ping-result");
    const id = this.live.ping();
    if (!id) {
      out.textContent = "⚠️ " + gettext("Not connected.");
      return;
    }
    this.openPings.set(id, true);
    out.textContent = "…";
    try {
      if (!config.can.pingPages) return; // the page's own round trip only
      const report = await api("websocket/ping/?wait=2", { method: "POST" });
      this.serverPing = report;
      this.renderPing();
    } catch (error) {
      this.serverPing = { error: error.message };
      this.renderPing();
    }
  }

  onPong(message) {
    if (!this.openPings.delete(message.id)) return;
    this.pageRtt = performance.now() - message.t;
    this.renderPing();
  }

  renderPing() {
    const lines = [];
    if (this.pageRtt !== undefined) {
      lines.push(`<span class="big" data-testid="ping-rtt">${fmt(gettext("%(ms)s ms"), { ms: this.pageRtt.toFixed(1) })}</span><span class="small muted">${gettext("round trip page → server → page")}</span>`);
    }
    const report = this.serverPing;
    if (report?.error) lines.push(`<div class="error">⚠️ ${esc(report.error)}</div>`);
    else if (report) {
      lines.push(`<div class="small server">${fmt(gettext("Server ping: %(n)s of %(c)s connected pages answered, median %(ms)s ms"), {
        n: report.listeners, c: report.connected, ms: report.median_ms === null ? "—" : report.median_ms.toFixed(1) })}</div>`);
    }
    this.$("#ping-result").innerHTML = lines.join("");
  }

  // --- events -----------------------------------------------------------------------------------
  renderEvents() {
    if (this.root.hidden) return;
    const filter = this.$("#events-filter").value;
    const events = [...this.store.events.values()]
      .filter((e) => !filter || e.event === filter || e.canonical_event === filter)
      .sort((a, b) => b.id - a.id).slice(0, 200);
    this.$("#events-count").textContent = `(${events.length})`;
    const samples = this.samples.filter((s) => !filter || s.event === filter).map((s) => `<tr class="clickable sample${this.selected === `s${s.id}` ? " selected" : ""}" tabindex="0" data-sample="${s.id}" data-event="${esc(s.event)}" data-testid="sample-row">
        <td>🧪</td><td>${esc(s.event)}</td><td><span class="badge">↩️ ${gettext("rolled back")}</span></td><td>${gettext("sample")}</td><td>${clock(s.at)}</td></tr>`).join("");
    this.$("#events tbody").innerHTML = samples + (events.length ? events.map((e) => `<tr class="clickable${e.id === this.selected ? " selected" : ""}" tabindex="0" data-id="${e.id}" data-event="${esc(e.event)}">
        <td>${e.id}</td><td>${esc(e.event)}</td><td>${eventStatus(e.status)}</td>
        <td>${esc(this.store.printers.get(e.printer_sp_id)?.name || e.printer_sp_id || "—")}</td>
        <td>${clock(e.received_at)} <span class="muted small">${rel(e.received_at)}</span></td></tr>`).join("")
      : samples ? "" : `<tr><td colspan="5" class="muted">${gettext("No events yet.")}</td></tr>`);
  }

  async showEvent(id) {
    this.selected = id;
    this.renderEvents();
    const box = this.$("#event-detail");
    box.hidden = false;
    box.innerHTML = "…";
    try {
      const event = await api(`webhook/events/${id}/`);
      const canReprocess = config.can.reprocessEvents && (event.status === "failed" || event.status === "pending");
      box.innerHTML = `<div class="row"><b>#${event.id} ${esc(event.event)}</b> ${eventStatus(event.status)}
          ${canReprocess ? `<button type="button" data-reprocess="${event.id}" data-testid="reprocess">🔁 ${gettext("Reprocess")}</button>` : ""}</div>
        <div class="small muted">${fmt(gettext("received %(received)s · attempts %(attempts)s · deliveries %(deliveries)s"), {
          received: clock(event.received_at), attempts: event.attempts, deliveries: event.deliveries })}
          ${event.processed_at ? " · " + fmt(gettext("processed %(at)s"), { at: clock(event.processed_at) }) : ""}</div>
        ${event.processing_error ? `<p class="error">❌ ${esc(event.processing_error)}</p>` : ""}
        <pre data-testid="event-payload">${esc(JSON.stringify(event.payload, null, 2))}</pre>`;
    } catch (error) {
      box.innerHTML = `<p class="error">⚠️ ${esc(error.message)}</p>`;
    }
  }

  async reprocess(id, button) {
    button.disabled = true;
    try {
      await api(`webhook/events/${id}/reprocess/`, { method: "POST" });
      await this.showEvent(id);
    } catch (error) {
      button.insertAdjacentText("afterend", " ⚠️ " + error.message);
    }
  }

  // --- raw messages ---------------------------------------------------------------------------
  record(message) {
    this.messages.unshift(`${clock(Date.now() / 1000)} ${JSON.stringify(message).slice(0, 400)}`);
    if (this.messages.length > MESSAGES_KEPT) this.messages.length = MESSAGES_KEPT;
    if (!this.root.hidden && !this.$('[data-tab-body="messages"]').hidden) this.renderMessages();
  }

  renderMessages() {
    this.$("#messages").textContent = this.messages.join("\n");
  }
}
