"""A round summary goes to the Board exactly once, even when Slack fails while it is sent;
and a file that Slack is slow to describe is refused before the 3-second acknowledgement."""

from __future__ import annotations

import pytest

from bot.jobs.worker import tick
from bot.services.cases.audit import events_for
from tests.flow_helpers import body_json
from tests.monitoring.monitoring_helpers import (
    PLAN,
    SlackLog,
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
    travel,
)


@pytest.fixture
def case(harness):
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    return case


def uploads(harness):
    return [c for c in harness.standin.calls_to("files.completeUploadExternal") if c.ok]


def test_a_summary_that_slack_fails_is_sent_once_later(harness, case):
    travel(harness, SlackLog(harness), london(2027, 6, 28, 8))
    harness.standin.fail("files.getUploadURLExternal", status=500, times=3)
    harness.clock.set(london(2027, 6, 28, 9))
    tick(harness.runtime)
    assert uploads(harness) == []

    harness.clock.set(london(2027, 6, 28, 9, 2))
    tick(harness.runtime)
    assert uploads(harness) == [], "not before the retry time"
    harness.clock.set(london(2027, 6, 28, 9, 5))
    tick(harness.runtime)
    harness.clock.set(london(2027, 6, 28, 9, 10))
    tick(harness.runtime)

    [sent] = uploads(harness)
    assert "The deadline has passed: 3 returns are overdue." in sent.args["initial_comment"]
    with harness.runtime.db.session() as session:
        actions = [e.action for e in events_for(session, case.id)]
    assert actions.count("progress.summary_sent") == 1


def test_slack_slow_to_describe_the_file_refuses_it_within_the_ack(harness, case):
    harness.standin.slow("files.info", 2.5)
    response, _ = import_plan(harness, case, plan_csv(PLAN))
    assert body_json(response)["errors"]["plan_file"].endswith(
        "I could not fetch the file from Slack just now; please upload it again."
    )
