"""One person with a case of each process: App Home and the morning's message show each case
in its own process's words, together, in one place and one message a morning."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.jobs.worker import tick
from bot.process.cspr import CSPR_2023
from bot.services.cases.card import stage_title
from bot.testing.harness import Harness, start_harness
from tests.process.helpers import home_text, partnership, refer_with
from tests.reminders.reminder_helpers import DMLog, london

RAPID_INFORMATION = CSPR_2023.task("rapid_review_information").title
RECORDS = CSPR_2023.task("records_secured").title


@pytest.fixture
def board(standin, database, clock) -> Iterator[Harness]:
    h = start_harness(standin, database, clock, partnership=partnership(leads=True))
    yield h
    h.close()


def _sections(home: str) -> list[str]:
    return [b["text"]["text"] for b in json.loads(home) if b["type"] == "section"]


def _case_part(message: str, reference: str, others: list[str]) -> str:
    """The lines of a morning message under ``reference``, up to the next case's heading."""
    start = message.index(f"*{reference}*")
    ends = [message.index(f"*{o}*", start) for o in others if f"*{o}*" in message[start:]]
    return message[start : min(ends, default=len(message))]


@pytest.mark.postgres
def test_one_designated_person_sees_a_case_of_each_process_in_its_own_words(board) -> None:
    scr = refer_with(board, "U0ADMIN", "bolton-scr")
    cspr = refer_with(board, "U0ADMIN", "cspr")
    assert (scr.process_key, cspr.process_key) == ("bolton-scr", "cspr")

    sections = _sections(home_text(board, "U0DPH"))
    tasks = [s for s in sections if s.startswith("*")]
    assert any(s.startswith(f"*{cspr.reference}* · {RAPID_INFORMATION}") for s in tasks)
    assert not any(s.startswith(f"*{scr.reference}* · {RAPID_INFORMATION}") for s in tasks)
    assert any(s.startswith(f"*{scr.reference}* · {RECORDS}") for s in tasks)
    assert any(s.startswith(f"*{cspr.reference}* · {RECORDS}") for s in tasks)
    [my_cases] = [s for s in sections if s.startswith("•")]
    assert f"*{scr.reference}* · Initial Panel stage" in my_cases
    assert stage_title(cspr) == CSPR_2023.stage("notification").title
    assert f"*{cspr.reference}* · {stage_title(cspr)}" in my_cases

    log = DMLog(board)
    refs = [scr.reference, cspr.reference]
    for month, day in ((12, 1), (12, 2)):
        board.clock.set(london(2026, month, day, 9))
        tick(board.runtime)
        # one message a morning, whatever the process of each case
        [morning] = [sent for sent in log.collect() if sent.user == "U0DPH"]
        for reference in refs:
            part = _case_part(morning.text, reference, [r for r in refs if r != reference])
            assert RECORDS in part, f"{reference}'s records on {day} Dec"
    on_wednesday = log.to("U0DPH")[-1].text
    assert RAPID_INFORMATION in _case_part(on_wednesday, cspr.reference, [scr.reference])
    assert RAPID_INFORMATION not in _case_part(on_wednesday, scr.reference, [cspr.reference])
