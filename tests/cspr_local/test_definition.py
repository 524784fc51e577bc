"""The completion limit as data: each process says how long its review may take, who agrees
an extension and in what words, and the definition refuses a limit it cannot honour."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.process.bolton import BOLTON_SCR
from bot.process.cspr import CSPR_2023, LOCAL_REVIEW
from bot.process.deadlines import WorkingDays
from bot.process.definition import ProcessDefinition, StageDefinition
from bot.process.states import Stage, TaskKind


def test_each_process_limits_its_review_in_its_own_words() -> None:
    scr = BOLTON_SCR.stage(Stage.REVIEW).limit
    cspr = CSPR_2023.stage(Stage.LOCAL_REVIEW).limit
    assert scr is not None and cspr is not None
    assert (scr.months, scr.agreed_with, scr.finished) == (4, "agreed with OFSTED", "complete")
    assert (cspr.months, cspr.finished) == (6, "published")
    assert cspr.agreed_with == "agreed by the safeguarding partners"
    assert set(cspr.agreed_by) == {"partner_leads", "delegated_lead", "admins"}
    assert cspr.tasks == (TaskKind.REVIEW_REPORT,)
    final_report = CSPR_2023.task(TaskKind.FINAL_REPORT_SENT)
    assert final_report.due_before is not None
    assert final_report.due_before.event == cspr.planned_event == "publication_date"
    assert final_report.due_before.days == WorkingDays(7)


def test_a_limit_must_name_the_stages_own_tasks_and_declared_events() -> None:
    limit = LOCAL_REVIEW.limit
    assert limit is not None
    with pytest.raises(ValueError, match="completion limit names tasks it lacks"):
        replace(LOCAL_REVIEW, limit=replace(limit, tasks=(TaskKind.OVERVIEW_REPORT,)))
    with pytest.raises(ValueError, match="at least a month"):
        replace(limit, months=0)
    with pytest.raises(ValueError, match="case roles"):
        replace(limit, agreed_by=("review_leads",))  # type: ignore[arg-type]
    stage: StageDefinition = replace(LOCAL_REVIEW, limit=replace(limit, planned_event="launch"))
    with pytest.raises(ValueError, match="undeclared events"):
        ProcessDefinition(
            key="cspr-trial",
            title="A trial",
            stages=(*CSPR_2023.stages[:2], stage, *CSPR_2023.stages[3:]),
            events=CSPR_2023.events,
        )
