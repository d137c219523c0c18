"""SimplyPrint's clock from the ``Date`` headers of its answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.simpleprint.remote import servertime

#: SimplyPrint's clock a year behind ours, as a ``Date`` header (whole seconds) shows it.
YEAR = 365 * 86400.0


@pytest.fixture(autouse=True)
def _fresh_clock() -> Iterator[None]:
    servertime.reset()
    yield
    servertime.reset()


def test_the_first_answer_sets_the_offset_to_the_middle_of_what_it_allows() -> None:
    # Written between our 1000.2 and 1000.4, rounded down to the second: 1000.2 … 1001.4.
    assert servertime.observe(1000.0 - YEAR, 1000.2, 1000.4) == pytest.approx(0.5 - 0.3 - YEAR)
    assert servertime.offset() == pytest.approx(0.2 - YEAR)


def test_an_answer_that_agrees_with_the_offset_held_does_not_move_it() -> None:
    held = servertime.observe(1000.0 - YEAR, 1000.2, 1000.4)
    # 0.9 s later the header may read one second more: the held offset is still possible.
    assert servertime.observe(1001.0 - YEAR, 1001.1, 1001.3) == held
    assert servertime.offset() == held


def test_an_answer_that_rules_the_offset_out_replaces_it() -> None:
    servertime.observe(1000.0 - YEAR, 1000.2, 1000.4)
    # SimplyPrint's clock stepped two seconds: the header can no longer match the held offset.
    assert servertime.observe(1012.0 - YEAR, 1010.2, 1010.4) == pytest.approx(2.2 - YEAR)
