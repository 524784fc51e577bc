"""The action plan tests of a CSPR run on a partnership whose cases follow one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.testing.harness import Harness, start_harness
from tests.process.helpers import partnership


@pytest.fixture
def partners(standin, database, clock) -> Iterator[Harness]:
    """A partnership whose cases follow a CSPR, its three partners' leads named."""
    h = start_harness(standin, database, clock, partnership=partnership(default="cspr", leads=True))
    yield h
    h.close()
