// Started by the page shell before its modules have loaded: opens the live channel and asks
// for the projection, so that the snapshot (and the timeline's data) are on their way while
// the modules arrive. live.js adopts the socket and the messages it already received;
// app.js takes the projection. A classic script: it runs as soon as it is fetched.
(() => {
  const config = JSON.parse(document.getElementById("planning-config").textContent);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const boot = { socket: null, messages: [], opened: false, closed: null, schedule: null };
  try {
    const socket = new WebSocket(`${scheme}//${location.host}${config.wsPath}`);
    socket.onopen = () => { boot.opened = true; };
    socket.onmessage = (event) => { boot.messages.push(event.data); };
    socket.onclose = (event) => { boot.closed = event; };
    boot.socket = socket;
  } catch { /* live.js connects on its own */ }
  boot.schedule = fetch(config.schedule, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null)).catch(() => null);
  window.planningBoot = boot;
})();
