"""Imports flow one way: no module of the service or the simulator takes part in an import
cycle, counting imports written inside functions (the layers themselves are import-linter's
contracts in pyproject.toml, run by `make test`)."""

from __future__ import annotations

import grimp
import pytest


@pytest.mark.parametrize("package", ["apps", "simulator"])
def test_no_module_is_part_of_an_import_cycle(package: str) -> None:
    graph = grimp.build_graph(package)
    cycles = sorted({
        tuple(sorted((module, imported)))
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.find_shortest_chain(importer=imported, imported=module)
    })
    assert cycles == []
