"""The monitoring stage as shared data: an SCR's and a CSPR's built by one function from their
anchor and words, and the definition's check that the anchor is certain before it begins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.process.action_plan import monitoring_stage
from bot.process.bolton import BOLTON_SCR, REPORT_STEPS
from bot.process.cspr import CSPR_2023, PARTNERS_ACTION_PLAN
from bot.process.definition import DEFAULT_ACTION_PLAN, ActionPlan, ProcessDefinition
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
    assert CSPR_2023.action_plan() == PARTNERS_ACTION_PLAN
    assert CSPR_2023.action_plan().overseer == "the safeguarding partners"
    assert CSPR_2023.action_plan().recommendations == "the local review's recommendations"
    assert BOLTON_SCR.action_plan().overseer == "the Board"
    assert "overview report" in BOLTON_SCR.action_plan().not_begun
    assert BOLTON_SCR.action_plan().overseen_by == ("admins", "board_chair")
    assert CSPR_2023.action_plan().overseen_by == ("admins", "delegated_lead", "partner_leads")
    words = {"overseer": "x", "overseers": "x", "recommendations": "x", "not_begun": "y"}
    with pytest.raises(ValueError, match="one line"):
        ActionPlan(overseen_by=("admins",), **{**words, "overseer": "the\npartners"})
    with pytest.raises(ValueError, match="case roles"):
        ActionPlan(overseen_by=("review_leads",), **words)  # type: ignore[arg-type]


def test_monitoring_counts_only_from_an_event_certain_before_it_begins() -> None:
    # The publication date is planned, not certain: returns cannot count from it.
    early = monitoring_stage("publication_date", PARTNERS_ACTION_PLAN)
    with pytest.raises(ValueError, match="not sure to be recorded before stage monitoring"):
        replace(CSPR_2023, stages=(*CSPR_2023.stages[:-1], early))
    # Nor from an SCR's event, which a CSPR never records.
    with pytest.raises(ValueError, match="not sure to be recorded before stage monitoring"):
        replace(
            CSPR_2023,
            stages=(*CSPR_2023.stages[:-1], monitoring_stage("report_agreed", DEFAULT_ACTION_PLAN)),
            events=(*CSPR_2023.events, "report_agreed"),
        )
    kept = replace(CSPR_2023, key="cspr-again")
    assert isinstance(kept, ProcessDefinition) and kept.action_plan() == PARTNERS_ACTION_PLAN
