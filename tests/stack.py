"""The production stack as real loopback processes, for tests: nginx rendered from
``deploy/nginx.conf``, ASGI servers, a Celery worker and beat, all on the production settings."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
#: What the test rendering replaces in deploy/nginx.conf (each must occur exactly once).
COMPOSE_UPSTREAMS = ("backend-1:8000", "backend-2:8000")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_certificate(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(directory / "privkey.pem"),
         "-out", str(directory / "fullchain.pem")],
        check=True, capture_output=True)


def render_nginx(workdir: Path, *, http_port: int, https_port: int,
                 upstreams: list[str], static_root: Path) -> Path:
    """deploy/nginx.conf with loopback ports, test paths and a test certificate, wrapped in a
    minimal main configuration that runs unprivileged in ``workdir``."""
    site = NGINX_CONF.read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "/etc/nginx/certs/fullchain.pem": str(workdir / "certs" / "fullchain.pem"),
        "/etc/nginx/certs/privkey.pem": str(workdir / "certs" / "privkey.pem"),
        "alias /var/www/static/;": f"alias {static_root}/;",
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, f"{old!r} not found once in deploy/nginx.conf"
        site = site.replace(old, new)
    lines = [line for line in site.splitlines() if not any(u in line for u in COMPOSE_UPSTREAMS)]
    site = "\n".join(lines).replace(
        "upstream printfarm_asgi {",
        "upstream printfarm_asgi {\n" + "".join(f"    server {u};\n" for u in upstreams), 1)
    self_signed_certificate(workdir / "certs")
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / temp).mkdir(exist_ok=True)
    main = f"""
daemon off;
worker_processes 1;
pid {workdir / 'nginx.pid'};
error_log {workdir / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {workdir / 'access.log'};
    client_body_temp_path {workdir / 'client_body'};
    proxy_temp_path {workdir / 'proxy'};
    fastcgi_temp_path {workdir / 'fastcgi'};
    uwsgi_temp_path {workdir / 'uwsgi'};
    scgi_temp_path {workdir / 'scgi'};
{site}
}}
"""
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


@dataclass
class Processes:
    """Processes started in their own session, stopped by their process group id."""

    env: dict[str, str]
    logdir: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Prefork children of a SIGKILLed Celery worker are in the same group: end them too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name, signal.SIGTERM)

    def log(self, name: str) -> str:
        return (self.logdir / f"{name}.log").read_text(errors="replace")


def bin_path(name: str) -> str:
    return str(Path(sys.executable).with_name(name))
