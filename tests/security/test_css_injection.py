"""Finding 6: CSS injection through a material's colour. ``red;background-image:url(http://…)``
in ``colorHex`` was put into a ``style="background:…"`` attribute: the operator's browser
fetched an outside URL, and ``position:fixed`` could cover the page. Colours are now accepted
only as ``#RGB``/``#RRGGBB``/``#RRGGBBAA`` when they arrive, the page sets no inline style, and
a Content-Security-Policy forbids inline styles and outside origins. (The browser test
``test_no_content_security_policy_violation_is_reported`` checks the page under the policy.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.simpleprint.models import Printer
from apps.simpleprint.state.printers import apply_poll_row
from tests import payloads

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ["red;background-image:url(http://attacker.example/x.png)",
           "#fff;position:fixed;inset:0", "url(http://attacker.example)", "#12345",
           "expression(alert(1))", "#ggg", " #fff"]


@pytest.mark.parametrize("colour", HOSTILE)
def test_a_delivered_colour_that_is_not_hex_is_not_stored(
        deliver: Callable[..., list[int]], farm: payloads.FarmStory, colour: str) -> None:
    deliver(farm.printer_event("printer.material_changed", 385, material=[
        {"ext": 0, "type": 1, "color": "Red", "colorHex": colour},
        {"ext": 1, "type": 1, "color": "Blue", "hex": "#1565c0"}]))
    material = Printer.objects.get(sp_id=385).material
    assert material[0]["colorHex"] is None
    assert material[0]["color"] == "Red"
    assert material[1]["hex"] == "#1565c0"


@pytest.mark.parametrize("colour", ["#fff", "#1B1B1B", "#1b1b1b80"])
def test_hex_colours_are_kept(deliver: Callable[..., list[int]], farm: payloads.FarmStory,
                              colour: str) -> None:
    deliver(farm.printer_event("printer.material_changed", 385,
                               material=[{"ext": 0, "colorHex": colour}]))
    assert Printer.objects.get(sp_id=385).material[0]["colorHex"] == colour


def test_a_polled_colour_that_is_not_hex_is_not_stored() -> None:
    row = payloads.printer_row(386, material=[{"ext": 0, "type": 1, "color": "Black",
                                               "hex": HOSTILE[0]}])
    apply_poll_row(row, 1_718_000_000)
    assert Printer.objects.get(sp_id=386).material[0]["hex"] is None


def policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/planning-v2/", "/admin/simpleprint/printer/",
                                 "/accounts/login/", "/api/v1/simpleprint/printers/"])
def test_pages_carry_a_policy_without_inline_styles_or_outside_origins(url: str) -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("csp", password="csp-pass-3318"))
    response = client.get(url)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    for name in ("style-src", "script-src", "img-src", "connect-src", "font-src"):
        sources = directives.get(name, directives["default-src"])
        assert "'unsafe-inline'" not in sources, name
        assert all(s in ("'self'", "data:") for s in sources), (name, sources)
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_page_writes_no_inline_style_or_script_into_its_markup() -> None:
    sources = [*(ROOT / "apps/planning/static/planning").glob("*.js"),
               *(ROOT / "apps/planning/templates").rglob("*.html"),
               ROOT / "apps/simpleprint/admin.py"]
    offending = [str(path.relative_to(ROOT)) for path in sources
                 if 'style="' in path.read_text()
                 or "onchange=" in path.read_text()]
    assert offending == []
