"""The interval of progress returns is the Board's: agreed with the action plan as the
overview report is accepted (six months unless it says otherwise), changed later with
`/scr actions interval`; the rounds, their tasks and their reminders follow it."""

from __future__ import annotations

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock
from bot.ids import MonitoringBlock as B
from bot.services.monitoring import rounds as returns
from storage.models import Case
from tests.decision.helpers import audit_rows, submit
from tests.flow_helpers import body_json
from tests.monitoring.monitoring_helpers import (
    LONDON,
    PLAN,
    add_owners,
    ctx,
    import_plan,
    london,
    plan_csv,
    return_task,
    to_monitoring,
)
from tests.review.test_report import answer, draft_ready, reviews_accepted


def _due(task) -> str:
    return f"{task.due_at.astimezone(LONDON):%a %d %b %Y}"


def _round_dues(harness, case_id: int, count: int = 3) -> list[str]:
    with harness.runtime.db.session() as session:
        context, stored = ctx(harness, session), session.get(Case, case_id)
        return [
            f"{returns.round_due(context, stored, k).astimezone(LONDON):%a %d %b %Y}"
            for k in range(1, count + 1)
        ]


def open_interval(harness, case, user: str = "U0ADMIN"):
    harness.driver.slash_command(user, "actions interval", channel_id=case.channel_id)
    harness.wait()
    return harness.standin.open_view_for(user)


def test_the_board_agrees_the_interval_with_the_action_plan(harness) -> None:
    case = reviews_accepted(harness)
    harness.clock.set(london(2027, 3, 1, 10))
    draft_ready(harness, case)
    answer(harness, "U0DPH", ReviewAction.CONFIRM_REPRESENTED, 1)
    answer(harness, "U0DPP", ReviewAction.CONFIRM_REPRESENTED, 1)
    harness.driver.slash_command("U0ADMIN", "report accepted", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    assert view is not None and "Every 6 months" in str(view.blocks)

    response = harness.driver.submit_view(
        "U0ADMIN",
        {
            ReviewBlock.ACCEPTED_ON.value: {INPUT_ACTION: "2027-03-01"},
            B.INTERVAL.value: {INPUT_ACTION: "4"},
        },
        view_id=view.id,
    )
    harness.wait()

    assert body_json(response) == {}
    assert _round_dues(harness, case.id) == [
        "Thu 01 Jul 2027",
        "Mon 01 Nov 2027",
        "Wed 01 Mar 2028",
    ]
    [agreed] = audit_rows(harness, "progress.interval_agreed")
    assert agreed.detail["months"] == 4


def test_the_board_changes_the_interval_and_the_returns_follow(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN[:2]))
    assert _due(return_task(harness, case.id, 1, 1)) == "Sun 04 Jul 2027"

    harness.clock.set(london(2027, 2, 1, 10))
    view = open_interval(harness, case)
    assert view is not None and view.callback_id == "returns_interval_submit"
    assert body_json(submit(harness, "U0ADMIN", {B.INTERVAL.value: "3"}, view.id)) == {}

    assert _due(return_task(harness, case.id, 1, 1)) == "Sun 04 Apr 2027"
    assert _due(return_task(harness, case.id, 2, 1)) == "Sun 04 Apr 2027"
    assert _round_dues(harness, case.id) == [
        "Sun 04 Apr 2027",
        "Sun 04 Jul 2027",
        "Mon 04 Oct 2027",
    ]
    told = [m for m in harness.standin.messages_in(case.channel_id) if "every 3 months" in m.text]
    assert len(told) == 1 and "from round 1" in told[0].text
    [changed] = audit_rows(harness, "progress.interval_set")
    assert (changed.detail["months"], changed.detail["from_round"]) == (3, 1)

    again = open_interval(harness, case)
    refused = body_json(submit(harness, "U0ADMIN", {B.INTERVAL.value: "3"}, again.id))
    assert "already due every 3 months" in refused["errors"][B.INTERVAL.value]


def test_a_shorter_interval_already_passed_applies_from_the_next_round(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN[:1]))
    harness.clock.set(london(2027, 3, 1, 10))
    view = open_interval(harness, case)
    submit(harness, "U0ADMIN", {B.INTERVAL.value: "1"}, view.id)

    assert _due(return_task(harness, case.id, 1, 1)) == "Sun 04 Jul 2027"
    assert _round_dues(harness, case.id) == [
        "Sun 04 Jul 2027",
        "Wed 04 Aug 2027",
        "Sat 04 Sep 2027",
    ]


def test_only_the_board_changes_the_interval(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN[:1]))
    before = harness.standin.open_view_for("U0DPH")
    refused = harness.driver.slash_command("U0DPH", "actions interval", channel_id=case.channel_id)
    harness.wait()
    assert body_json(refused)["text"].startswith("Only the Board")
    assert harness.standin.open_view_for("U0DPH") is before
    assert _due(return_task(harness, case.id, 1, 1)) == "Sun 04 Jul 2027"
