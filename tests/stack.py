"""The production stack as real loopback processes, for tests and the chaos benchmark: nginx
rendered from ``deploy/nginx.conf``, ASGI servers, a Celery worker and beat, all on the
production settings; and throw-away Redis and PostgreSQL servers that may be restarted."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import serve_command

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
        "access_log /var/log/nginx/access.log printfarm;":
            f"access_log {workdir / 'access.log'} printfarm;",
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


def production_env(workdir: Path, *, database_url: str, redis_url: str, secret: str,
                   public_url: str, **extra: str) -> dict[str, str]:
    """The environment of every process of the stack: production settings on loopback, fast
    sweeps and heartbeats so that recovery shows within seconds."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "PRINTFARM_", "SIMPLEPRINT_", "TEST_"))
           and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "SIMPLEPRINT_COMPANY_ID": "1",
        "SIMPLEPRINT_API_KEY": "e2e-api-key",
        "SIMPLEPRINT_BASE_URL": "http://127.0.0.1:1",
        "SIMPLEPRINT_WEBHOOK_SECRET": secret,
        "SIMPLEPRINT_PUBLIC_URL": public_url,
        "PRINTFARM_ALLOW_HTTP": "1",
        "PRINTFARM_SWEEP_GRACE": "2",
        "PRINTFARM_SWEEP_INTERVAL": "1",
        "PRINTFARM_HEARTBEAT_INTERVAL": "1",
        "PRINTFARM_HEARTBEAT_MAX_AGE": "10",
        "PRINTFARM_VAR_DIR": str(workdir / "var"),
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",  # logs are read while the processes run
        **extra,
    })
    return env


WEBHOOK_PATH = "/api/v1/simpleprint/webhook/printers/"


@dataclass
class ProductionStack:
    """nginx (TLS) in front of ``servers`` ASGI servers (``manage.py serve``, named
    ``server-1`` …), plus a Celery worker and beat on
    demand; every process on the production settings against the given PostgreSQL and Redis.
    Use :func:`production_stack` to start and stop it."""

    processes: Processes
    workdir: Path
    base_url: str
    backend_ports: list[int]
    secret: str
    client: httpx.Client

    def post(self, envelope: dict[str, Any]) -> httpx.Response:
        return self.client.post(WEBHOOK_PATH, json=envelope, headers={"X-SP-Secret": self.secret})

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("https://", "wss://") + "/ws/planning/"

    def start_worker(self, concurrency: int = 2) -> None:
        self.processes.start("worker", [
            bin_path("celery"), "-A", "config", "worker", "--loglevel", "INFO",
            "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
            "--hostname", f"stack-{uuid.uuid4().hex[:6]}@%h"])

    def start_beat(self) -> None:
        self.processes.start("beat", [
            bin_path("celery"), "-A", "config", "beat", "--loglevel", "INFO",
            "--schedule", str(self.workdir / "celerybeat-schedule")])

    def manage(self, *args: str) -> str:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args],
                              env=self.processes.env, cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout

    def api_token(self) -> str:
        script = ("from django.contrib.auth.models import Group, User;"
                  "from rest_framework.authtoken.models import Token;"
                  "u, _ = User.objects.get_or_create(username='stack', "
                  "defaults={'is_staff': True});"
                  "u.groups.add(Group.objects.get(name='Administrator'));"
                  "print(Token.objects.get_or_create(user=u)[0].key)")
        return self.manage("shell", "-c", script).strip().splitlines()[-1]


@contextlib.contextmanager
def production_stack(database_url: str, redis_url: str, *, servers: int = 2,
                     migrate: bool = False, **extra_env: str) -> Iterator[ProductionStack]:
    """Start nginx and ``servers`` ASGI servers (``migrate`` the database first if asked);
    stop everything this started on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="printfarm-stack-"))
    workdir.chmod(0o755)  # nginx workers run unprivileged
    static = workdir / "static"
    static.mkdir()
    (static / "probe.txt").write_text("static ok")
    backend_ports = [free_port() for _ in range(servers)]
    https_port = free_port()
    conf = render_nginx(workdir, http_port=free_port(), https_port=https_port,
                        upstreams=[f"127.0.0.1:{p}" for p in backend_ports], static_root=static)
    for temp in ("client_body", "proxy"):
        (workdir / temp).chmod(0o777)
    secret = "stack-" + secrets.token_hex(16)
    base_url = f"https://127.0.0.1:{https_port}"
    env = production_env(workdir, database_url=database_url, redis_url=redis_url,
                         secret=secret, public_url=base_url, **extra_env)
    processes = Processes(env=env, logdir=workdir)
    client = httpx.Client(base_url=base_url, verify=False, timeout=10)
    stack = ProductionStack(processes, workdir, base_url, backend_ports, secret, client)
    try:
        if migrate:
            stack.manage("migrate", "--noinput", "-v", "0")
        for index, port in enumerate(backend_ports, start=1):
            server = processes.start(f"server-{index}", serve_command(port))
            wait_for_port(port, server)
        nginx = processes.start("nginx", ["nginx", "-c", str(conf), "-e",
                                          str(workdir / "error.log")])
        wait_for_port(https_port, nginx)
        yield stack
    finally:
        client.close()
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class RedisServer:
    """A throw-away ``redis-server`` on a free loopback port, without persistence: a restart
    loses every key (queued task messages, channel-layer groups), as a crashed Redis would."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        wait_for_port(self.port, self.process)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self, down_seconds: float = 0.5) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL cluster of its own (initdb in a temporary directory, trust auth,
    a free port): it can be stopped and started without touching the shared cluster. Run as
    root, the server processes run as the ``postgres`` user."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="printfarm-pg-")))
    port: int = field(default_factory=free_port)

    @property
    def datadir(self) -> Path:
        return self.workdir / "pgdata"

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, cwd="/")

    def init(self) -> PostgresServer:
        """Create the cluster (the directory must be reachable by the ``postgres`` user: the
        default, a fresh directory under the system's temporary directory, is)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                  "--auth=trust", "--no-sync")
        return self

    def start(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-l",
                  str(self.workdir / "postgres.log"), "-o",
                  f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-m", "fast", "stop")

    def postmaster_pid(self) -> int:
        """The running server's main process (its backends are its children)."""
        return int((self.datadir / "postmaster.pid").read_text().split("\n", 1)[0])

    def remove(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "initdb").exists() and (
            os.geteuid() != 0 or shutil.which("runuser") is not None)


def django_database_url() -> str:
    """The URL of the database the running Django (the test session) uses, for the stack's
    processes to share it."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return (f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")
