// Started by the page shell before its modules have loaded: opens the live channel, so that
// the snapshot is on its way while the modules arrive. live.js adopts the socket and the
// messages it already received. A classic script: it runs as soon as it is fetched.
(() => {
  const config = JSON.parse(document.getElementById("planning-config").textContent);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const boot = { socket: null, messages: [], opened: false, closed: null };
  try {
    const socket = new WebSocket(`${scheme}//${location.host}${config.wsPath}`);
    socket.onopen = () => { boot.opened = true; };
    socket.onmessage = (event) => { boot.messages.push(event.data); };
    socket.onclose = (event) => { boot.closed = event; };
    boot.socket = socket;
  } catch { /* live.js connects on its own */ }
  window.planningBoot = boot;
})();
