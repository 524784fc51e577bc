from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.testing.harness import Harness, start_harness
from tests.process.helpers import partnership


@pytest.fixture
def partners(standin, database, clock) -> Iterator[Harness]:
    """The seed partnership with the three partners' leads and a delegated lead named."""
    h = start_harness(standin, database, clock, partnership=partnership(leads=True))
    yield h
    h.close()
