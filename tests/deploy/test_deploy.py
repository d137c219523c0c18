"""deploy/: the nginx configuration passes `nginx -t`, the compose file is complete and its
environment is documented in .env.example, and the limits agree with the settings."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.stack import NGINX_CONF, ROOT, free_port, render_nginx

DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
ENV_EXAMPLE = (DEPLOY / ".env.example").read_text()


def env_example_names() -> set[str]:
    return {line.split("=", 1)[0] for line in ENV_EXAMPLE.splitlines()
            if line and not line.startswith("#") and "=" in line}


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    conf = render_nginx(tmp_path, http_port=free_port(), https_port=free_port(),
                        upstreams=[f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"],
                        static_root=static)
    result = subprocess.run(["nginx", "-t", "-c", str(conf), "-e", str(tmp_path / "err.log")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def location(name: str) -> str:
    conf = NGINX_CONF.read_text()
    block = conf[conf.rindex(f"location {name} "):]
    return block[:block.index("}")]


def test_nginx_proxies_websockets_with_upgrade_headers() -> None:
    ws = location("/ws/")
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws


@pytest.mark.parametrize("name", ["/ws/", "/"])
def test_nginx_passes_host_and_forwarded_headers_in_each_proxied_location(name: str) -> None:
    block = location(name)
    for header in ("Host $http_host", "X-Forwarded-For $proxy_add_x_forwarded_for",
                   "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in block


def test_nginx_body_limit_matches_the_webhook_limit() -> None:
    match = re.search(r"client_max_body_size (\d+)m;", NGINX_CONF.read_text())
    assert match is not None
    assert int(match.group(1)) * 1024 * 1024 == settings.SIMPLEPRINT_CONFIG["max_body_bytes"]


def test_compose_has_every_service_of_the_stack() -> None:
    services = COMPOSE["services"]
    assert {"backend-1", "backend-2", "worker", "beat", "postgres", "redis", "nginx",
            "migrate"} <= set(services)
    assert services["backend-1"]["command"][:3] == ["python", "manage.py", "serve"]
    assert services["backend-1"]["command"] == services["backend-2"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert any("static:" in volume for volume in services["nginx"]["volumes"])
    assert "static" in COMPOSE["volumes"]


def test_nginx_upstream_names_are_compose_services() -> None:
    upstreams = re.findall(r"server ([\w-]+):8000", NGINX_CONF.read_text())
    assert upstreams and set(upstreams) <= set(COMPOSE["services"])


def test_compose_variables_are_in_env_example() -> None:
    referenced = set(re.findall(r"\$\{(\w+)\}", (DEPLOY / "docker-compose.yml").read_text()))
    assert referenced
    assert referenced <= env_example_names()


def test_env_example_has_placeholders_only() -> None:
    values = dict(line.split("=", 1) for line in ENV_EXAMPLE.splitlines()
                  if line and not line.startswith("#") and "=" in line)
    for name in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "SIMPLEPRINT_API_KEY",
                 "SIMPLEPRINT_WEBHOOK_SECRET", "PRINTFARM_METRICS_TOKEN"):
        assert values[name].startswith("<"), name


def test_env_example_covers_every_required_production_variable() -> None:
    from config.settings.validation import production_problems

    assert production_problems({name: "" for name in env_example_names()})
    required = {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS",
                "SIMPLEPRINT_COMPANY_ID", "SIMPLEPRINT_API_KEY", "SIMPLEPRINT_WEBHOOK_SECRET",
                "SIMPLEPRINT_PUBLIC_URL"}
    assert required <= env_example_names()


def test_process_examples_run_the_same_entry_points() -> None:
    units = "".join(p.read_text() for p in (DEPLOY / "systemd").glob("*.service"))
    procfile = (DEPLOY / "Procfile").read_text()
    for text in (units, procfile):
        assert "manage.py serve" in text
        assert "celery -A config worker" in text
        assert "celery -A config beat" in text
