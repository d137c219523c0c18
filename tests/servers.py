"""Real ASGI server processes for end-to-end tests and benchmarks: a migrated SQLite file (or
any DATABASE_URL), an API token, and the ASGI server (``manage.py serve``, or daphne) on a free
loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_SECRET = "e2e-webhook-secret-7d1c9a0b"
WEBHOOK_PATH = "/api/v1/simpleprint/webhook/printers/"
#: Where a server started by a test reaches SimplyPrint unless the test gives its own simulator:
#: a port nothing listens on. The dev settings' default (the demo simulator on 8100) would let
#: a test sync whatever `make run` is running on the same machine.
CLOSED_URL = "http://127.0.0.1:1"


def serve_command(port: int, *options: str) -> list[str]:
    """``manage.py serve`` on loopback ``port`` (the server of ``make run`` and deploy/)."""
    return [sys.executable, str(ROOT / "manage.py"), "serve", "--host", "127.0.0.1",
            "--port", str(port), *options]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(var_dir: Path, database_url: str | None = None, redis_url: str = "",
               **extra: str) -> dict[str, str]:
    """The environment of a server process: dev settings on their own database, thread worker,
    SimplyPrint at a closed port (pass ``SIMPLEPRINT_BASE_URL`` for a simulator of the test's)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "PRINTFARM_", "SIMPLEPRINT_", "TEST_"))
           and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "false",
        "PRINTFARM_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url or f"sqlite:///{var_dir / 'live.sqlite3'}",
        "REDIS_URL": redis_url,
        "PRINTFARM_WORKER": "thread",
        "PRINTFARM_DEMO_LOGIN": "false",
        "SIMPLEPRINT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SIMPLEPRINT_BASE_URL": CLOSED_URL,
        "SIMPLEPRINT_PUBLIC_URL": CLOSED_URL,
        "LOG_LEVEL": "WARNING",
        # Tests poll the API far faster than people do (tests/security sets its own rates).
        "PRINTFARM_THROTTLE_USER": "100000/min",
        "PYTHONPATH": str(ROOT),
        **extra,
    })
    return env


def prepare_database(env: dict[str, str]) -> str:
    """Migrate the database and return a fresh API token of a staff user in the Administrator
    group (every action)."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    script = (
        "from django.contrib.auth.models import Group, User;"
        "from rest_framework.authtoken.models import Token;"
        "u, _ = User.objects.get_or_create(username='e2e', defaults={'is_staff': True});"
        "u.groups.add(Group.objects.get(name='Administrator'));"
        "print(Token.objects.get_or_create(user=u)[0].key)"
    )
    out = subprocess.run([*manage, "shell", "-c", script], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


@dataclass
class AsgiServer:
    env: dict[str, str]
    #: ``uvicorn``: ``manage.py serve``, as ``make run`` and deploy/ start it; ``daphne`` (still
    #: supported: its hooks in ``inbound/limits.py`` and ``live/compression.py``) for the tests
    #: that cover both.
    server: str = "uvicorn"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/planning/"

    def start(self, timeout: float = 20.0) -> AsgiServer:
        command = {
            "daphne": [str(Path(sys.executable).with_name("daphne")), "-b", "127.0.0.1",
                       "-p", str(self.port), "config.asgi:application"],
            "uvicorn": serve_command(self.port),
        }[self.server]
        log = open(Path(self.env["PRINTFARM_VAR_DIR"]) / f"{self.server}-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.server} exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.server} did not listen on {self.port} in {timeout}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
