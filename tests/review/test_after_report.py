"""After the overview report: the Board's steps (who may see the report, the debriefs of the
staff, the family and the media, copies to OFSTED and to whoever the partnership file
names), each a business unit task with its deadline, recorded by its own short form and
reminded by the usual engine."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import INPUT_ACTION, MonitoringBlock, ReviewAction, ReviewBlock
from bot.jobs.worker import tick
from storage.models import ReportFollowUp
from tests.decision.helpers import audit_rows, ephemerals_text, tasks_of
from tests.flow_helpers import body_json
from tests.reminders.reminder_helpers import london
from tests.review.test_report import answer, draft_ready, reviews_accepted

STEPS = {
    "report_access_decided": "Mon 15 Mar 2027",
    "report_staff_debriefed": "Thu 01 Apr 2027",
    "report_family_debriefed": "Thu 01 Apr 2027",
    "report_media_briefed": "Thu 01 Apr 2027",
    "report_sent_to_ofsted": "Mon 15 Mar 2027",
    "report_copy_sent": "Mon 15 Mar 2027",
}


def agree_report(harness, interval: str = "6"):
    """The Board accepts the report through its modal on Mon 1 Mar 2027."""
    case = reviews_accepted(harness)
    harness.clock.set(london(2027, 3, 1, 10))
    draft_ready(harness, case)
    answer(harness, "U0DPH", ReviewAction.CONFIRM_REPRESENTED, 1)
    answer(harness, "U0DPP", ReviewAction.CONFIRM_REPRESENTED, 1)
    harness.driver.slash_command("U0ADMIN", "report accepted", channel_id=case.channel_id)
    harness.wait()
    response = harness.driver.submit_view(
        "U0ADMIN",
        {
            ReviewBlock.ACCEPTED_ON.value: {INPUT_ACTION: "2027-03-01"},
            MonitoringBlock.INTERVAL.value: {INPUT_ACTION: interval},
        },
    )
    harness.wait()
    assert body_json(response) == {}
    return case


def checklist(harness, case):
    [message] = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if "steps after the overview report" in m.text
    ]
    return message


def test_the_boards_steps_after_the_report_are_due_recorded_and_reminded(harness) -> None:
    case = agree_report(harness)

    dues = {}
    for kind in STEPS:
        [task] = tasks_of(harness, case.id, kind)
        assert task.status == "open" and task.owner_role == "admins"
        dues[kind] = f"{task.due_at.astimezone(london(2027, 1, 1).tzinfo):%a %d %b %Y}"
    assert dues == STEPS
    [copy] = tasks_of(harness, case.id, "report_copy_sent")
    assert copy.subject_key == "copy:Department for Education"
    shown = str(checklist(harness, case).blocks)
    assert "Send copies of the report to OFSTED: due Mon 15 Mar 2027" in shown
    assert "Send a copy of the report to Department for Education" in shown
    assert "Debrief the family" in shown and "Brief the media" in shown

    message = checklist(harness, case)
    [ofsted] = tasks_of(harness, case.id, "report_sent_to_ofsted")
    harness.driver.block_action(
        "U0DPH",
        ReviewAction.OPEN_REPORT_STEP.value,
        str(ofsted.id),
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    assert "business unit" in ephemerals_text(harness, "U0DPH")

    harness.driver.block_action(
        "U0ADMIN",
        ReviewAction.OPEN_REPORT_STEP.value,
        str(ofsted.id),
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    assert view is not None and view.callback_id == "review_report_step"
    response = harness.driver.submit_view(
        "U0ADMIN",
        {
            ReviewBlock.STEP_DONE_ON.value: {INPUT_ACTION: "2027-03-01"},
            ReviewBlock.STEP_NOTE.value: {INPUT_ACTION: "Report, summary and plan sent securely."},
        },
        view_id=view.id,
    )
    harness.wait()

    assert body_json(response) == {}
    [ofsted] = tasks_of(harness, case.id, "report_sent_to_ofsted")
    assert ofsted.status == "done" and ofsted.completed_by == "U0ADMIN"
    with harness.runtime.db.session() as session:
        [row] = session.scalars(select(ReportFollowUp))
    assert (row.step, row.done_on.isoformat(), row.done_by) == (
        "report_sent_to_ofsted",
        "2027-03-01",
        "U0ADMIN",
    )
    assert row.note is not None and b"securely" not in row.note
    assert "✓ Send copies of the report to OFSTED: Mon 1 Mar 2027 by <@U0ADMIN>" in str(
        checklist(harness, case).blocks
    )
    assert [a.detail["step"] for a in audit_rows(harness, "report.step_recorded")] == [
        "report_sent_to_ofsted"
    ]

    harness.clock.set(london(2027, 3, 15, 9, 5))
    tick(harness.runtime)
    harness.wait()
    nudges = [m for m in harness.standin.dms_to("U0ADMIN") if "Your tasks today" in m.text]
    text = str(nudges[-1].blocks)
    assert "Decide who may see the overview report" in text
    assert "Department for Education" in text
    assert ReviewAction.OPEN_REPORT_STEP.value in text
    assert "Send copies of the report to OFSTED" not in text
