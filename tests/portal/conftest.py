from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.testing.harness import Harness
from tests.portal.helpers import start_portal


@pytest.fixture
def portal(standin, database, clock) -> Iterator[Harness]:
    h = start_portal(standin, database, clock)
    yield h
    h.close()
