"""The decision's routes in the process definition: a "not met" decision takes a side path."""

from __future__ import annotations

import pytest

from bot.process.bolton import BOLTON_SCR, DECISION_AUDIENCES, notification_kind
from bot.process.deadlines import WorkingDays
from bot.process.definition import (
    AllTasksDone,
    EventRecorded,
    ProcessDefinition,
    Route,
    StageDefinition,
    TaskDefinition,
)


def test_the_decision_goes_to_the_review_unless_a_route_event_is_recorded():
    assert BOLTON_SCR.next_stage("decision").key == "review"
    assert BOLTON_SCR.next_stage("decision", {"decision"}).key == "review"
    assert BOLTON_SCR.next_stage("decision", {"decided_audit", "decision"}).key == "audit"
    assert (
        BOLTON_SCR.next_stage("decision", {"decided_management_reviews"}).key
        == "management_reviews"
    )


def test_side_stages_end_their_path_and_are_found_by_key_and_kind():
    assert BOLTON_SCR.next_stage("audit") is None
    assert BOLTON_SCR.next_stage("management_reviews", {"findings_shared"}) is None
    assert BOLTON_SCR.stage_of("management_review").key == "management_reviews"
    assert BOLTON_SCR.task("management_review").per_agency
    assert BOLTON_SCR.task("audit_findings_shared").records_event == "findings_shared"
    assert BOLTON_SCR.stage("audit").ends_when == EventRecorded("findings_shared")
    main_line = {task.kind for task in BOLTON_SCR.tasks}
    assert "management_review" not in main_line
    assert {t.kind for t in BOLTON_SCR.all_tasks} >= main_line | {"management_review"}


def test_every_path_tells_the_same_four_audiences():
    for stage in ("review", "audit", "management_reviews"):
        kinds = {notification_kind(audience, stage) for audience in DECISION_AUDIENCES}
        stage_kinds = {t.kind for t in BOLTON_SCR.stage(stage).tasks if t.owner == "admins"}
        assert kinds == stage_kinds
    assert notification_kind("ofsted", "review") == "notify_ofsted"
    assert notification_kind("ofsted", "audit") == "audit_notify_ofsted"


def _task(kind: str, anchor: str = "opened", **extra: object) -> TaskDefinition:
    return TaskDefinition(
        kind=kind,
        title="Do it",
        owner="cpu",
        deadline=WorkingDays(1),
        anchor=anchor,
        **extra,  # type: ignore[arg-type]
    )


def _decide(*routes: Route) -> StageDefinition:
    return StageDefinition(
        key="decide",
        title="Decide",
        tasks=(_task("decide", records_event="decided"),),
        ends_when=AllTasksDone(),
        routes=routes,
    )


def _side(key: str, anchor: str) -> StageDefinition:
    return StageDefinition(
        key=key, title="Side", tasks=(_task(f"{key}_work", anchor),), ends_when=AllTasksDone()
    )


def test_a_route_needs_a_declared_event_and_a_side_stage():
    events = ("opened", "decided", "other_way")
    ok = ProcessDefinition(
        key="routed",
        title="Routed",
        stages=(_decide(Route("other_way", "side")),),
        events=events,
        start_event="opened",
        side_stages=(_side("side", "other_way"),),
    )
    assert ok.next_stage("decide", {"other_way"}) is ok.stage("side")
    with pytest.raises(ValueError, match="unknown side stage"):
        ProcessDefinition(
            key="routed",
            title="Routed",
            stages=(_decide(Route("other_way", "nowhere")),),
            events=events,
            start_event="opened",
        )
    with pytest.raises(ValueError, match="undeclared events"):
        ProcessDefinition(
            key="routed",
            title="Routed",
            stages=(_decide(Route("unheard_of", "side")),),
            events=events,
            start_event="opened",
            side_stages=(_side("side", "opened"),),
        )
    with pytest.raises(ValueError, match="not sure to be recorded"):
        ProcessDefinition(
            key="routed",
            title="Routed",
            stages=(_decide(Route("other_way", "side")),),
            events=(*events, "later"),
            start_event="opened",
            side_stages=(_side("side", "later"),),
        )
