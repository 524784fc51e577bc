"""The monitoring stage as shared data: an SCR's and a CSPR's built by one function from their
anchor and words, and the definition's check that the anchor is certain before it begins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.process.action_plan import monitoring_stage
from bot.process.bolton import BOLTON_SCR, REPORT_STEPS
from bot.process.cspr import CSPR_2023, PARTNERS_PLAN_WORDS
from bot.process.definition import DEFAULT_PLAN_WORDS, PlanWords, ProcessDefinition
from bot.process.states import Stage, TaskKind


def test_both_processes_monitor_their_plan_alike_from_their_own_anchor() -> None:
    scr, cspr = BOLTON_SCR.stage(Stage.MONITORING), CSPR_2023.stage(Stage.MONITORING)
    scr_return, cspr_return = (s.tasks[0] for s in (scr, cspr))
    assert scr_return.kind == cspr_return.kind == TaskKind.PROGRESS_RETURN
    assert (scr_return.anchor, cspr_return.anchor) == ("report_agreed", "report_published")
    assert replace(cspr_return, anchor="report_agreed") == scr_return
    assert scr.ends_when == cspr.ends_when and scr.title == cspr.title
    assert scr.tasks[1:] == REPORT_STEPS and cspr.tasks[1:] == ()
    assert CSPR_2023.stages[-1] is cspr and CSPR_2023.stages[-2].key == Stage.LOCAL_REVIEW


def test_each_process_speaks_of_its_plan_in_its_own_words() -> None:
    assert CSPR_2023.plan_words() == PARTNERS_PLAN_WORDS
    assert CSPR_2023.plan_words().overseer == "the safeguarding partners"
    assert CSPR_2023.plan_words().recommendations == "the local review's recommendations"
    assert BOLTON_SCR.plan_words().overseer == "the Board"
    assert "overview report" in BOLTON_SCR.plan_words().not_begun
    with pytest.raises(ValueError, match="one line"):
        PlanWords(overseer="the\npartners", recommendations="x", not_begun="y")


def test_monitoring_counts_only_from_an_event_certain_before_it_begins() -> None:
    # The publication date is planned, not certain: returns cannot count from it.
    early = monitoring_stage("publication_date", PARTNERS_PLAN_WORDS)
    with pytest.raises(ValueError, match="not sure to be recorded before stage monitoring"):
        replace(CSPR_2023, stages=(*CSPR_2023.stages[:-1], early))
    # Nor from an SCR's event, which a CSPR never records.
    with pytest.raises(ValueError, match="not sure to be recorded before stage monitoring"):
        replace(
            CSPR_2023,
            stages=(*CSPR_2023.stages[:-1], monitoring_stage("report_agreed", DEFAULT_PLAN_WORDS)),
            events=(*CSPR_2023.events, "report_agreed"),
        )
    kept = replace(CSPR_2023, key="cspr-again")
    assert isinstance(kept, ProcessDefinition) and kept.plan_words() == PARTNERS_PLAN_WORDS
