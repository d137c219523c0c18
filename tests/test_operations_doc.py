"""docs/operations.md documents every environment variable the settings read."""

from __future__ import annotations

import re

from tests.stack import ROOT


def test_every_setting_variable_is_in_the_configuration_table() -> None:
    source = "".join(p.read_text() for p in (ROOT / "config" / "settings").glob("*.py"))
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', source))
    table = (ROOT / "docs" / "operations.md").read_text()
    assert names, "no variables found"
    assert sorted(n for n in names if f"| `{n}` |" not in table) == []
