"""Scene: monitoring the action plan until the case is signed off. The business unit carries
the management reviews' recommendations into the action plan and imports the overview
report's own from a CSV file; the worker nudges the owners before each round (every four
months, as the Board agreed); two owners answer in time and one late (chased, and the
business unit told); the Board gets each round's summary with the pro forma as Word and CSV
(also written to a folder); the Board closes the recommendations and signs the case off, and
its channel is archived."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.demo.story import Story
from bot.demo.web import kept_files
from bot.ids import INPUT_ACTION, MonitoringAction, MonitoringBlock
from bot.jobs.worker import tick
from bot.services.cases.access import active_agencies
from bot.services.monitoring import rounds as returns
from bot.services.monitoring.plan import carried_pending
from bot.services.reminders.tasks import EngineContext, complete_task, open_tasks, record_event
from bot.testing.standin.models import RecordedCall
from bot.testing.transcript import render_blocks
from bot.views.format import day, moment
from storage.models import Agency, Case, Recommendation

ADMIN = "U0ADMIN"
OWNERS = {"Health": "U0RLH", "Police": "U0RLP", "Children's Services": "U0RLC"}
PLAN = {
    "Health": "Train health visitors to record and share injuries seen in babies",
    "Police": "Agree a protocol for sharing call-outs involving babies with health",
    "Children's Services": "Audit the handover of cases between teams",
}
RETURNS = {
    1: {
        "Health": ("implemented", "All health visitors trained; audit shows injuries shared."),
        "Children's Services": ("in_progress", "Audit of 40 handovers half done."),
        "Police": ("in_progress", "Protocol drafted; awaiting the Chief Inspector's sign-off."),
    },
    2: {
        "Police": ("implemented", "Protocol in force since October; call-outs shared daily."),
        "Children's Services": ("implemented", "Handover checklist in use in every team."),
    },
}
LATE = "Police"


def monitor_the_action_plan(story: Story, reference: str, folder: Path) -> None:
    case_id, channel = _case(story, reference)
    story.scene("the action plan")
    _report_agreed(story, case_id)
    carried = _add_carried(story, case_id, channel)
    _import_plan(story, channel, [agency for agency in PLAN if agency not in carried])
    _show_plan(story, channel, f"{story.name(ADMIN)} types `/scr actions` in the case channel")
    cal = story.harness.runtime.working_calendar()
    for round_no in (1, 2):
        story.scene(f"the {('first', 'second')[round_no - 1]} {_every(story, case_id)} round")
        due_day = cal.london_date(_round_due(story, case_id, round_no))
        _travel(story, cal.at_london(cal.add_working_days(due_day, -4), time(14)))
        for agency, (status, text) in RETURNS[round_no].items():
            if not (round_no == 1 and agency == LATE):
                _send_return(story, case_id, agency, round_no, status, text)
        _travel(story, cal.at_london(cal.add_working_days(due_day, 2), time(11)))
        if round_no == 1:
            _send_return(story, case_id, LATE, 1, *RETURNS[1][LATE])
        _board_closes(story, case_id, channel, round_no)
    story.scene("the Board signs the case off")
    _sign_off(story, channel)
    _write_files(story, reference, folder)


def _every(story: Story, case_id: int) -> str:
    """ "four-monthly progress": the interval the Board agreed, in words."""
    with story.harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        months = returns.interval_months(session, case)
    words = {1: "monthly", 2: "two-monthly", 3: "quarterly", 4: "four-monthly", 6: "six-monthly"}
    return f"{words.get(months, f'{months}-monthly')} progress"


def _case(story: Story, reference: str) -> tuple[int, str]:
    with story.harness.runtime.db.session() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.channel_id is not None
        return case.id, case.channel_id


def _context(story: Story, session: Any) -> EngineContext:
    runtime = story.harness.runtime
    return EngineContext(session, runtime.working_calendar(), runtime.clock.now())


def _report_agreed(story: Story, case_id: int) -> None:
    """Monitoring starts when the Board agrees the overview report. If the review scene did
    not get there, the earlier stages are wrapped up here and the report agreed now."""
    runtime = story.harness.runtime
    for attempt in range(12):
        with runtime.db.session() as session:
            case = session.get(Case, case_id)
            assert case is not None
            ctx = _context(story, session)
            agreed = returns.monitoring_began(ctx, case)
            if agreed is not None:
                break
            if attempt == 0:
                story.say()
                story.say("(The review's earlier stages are wrapped up; the Board agrees.)")
            if case.stage == "review":
                record_event(ctx, case, "report_agreed", at=ctx.now, actor=ADMIN)
            for task in open_tasks(session, case_id):
                complete_task(ctx, task, actor=ADMIN, check_permission=False)
    assert agreed is not None
    story.say()
    story.say(f"The overview report was agreed on {day(agreed.date())}: monitoring begins.")


def _add_carried(story: Story, case_id: int, channel: str) -> set[str]:
    """The management reviews' recommendations, each given its owner; returns their agencies."""
    harness = story.harness
    done: set[str] = set()
    while True:
        with harness.runtime.db.session() as session:
            case = session.get(Case, case_id)
            assert case is not None
            pending = carried_pending(session, harness.runtime.cipher, case)
        if not pending:
            return done
        agency = pending[0].recommendation.agency
        plan = _show_plan(story, channel, f"{story.name(ADMIN)} types `/scr actions`")
        with story.step(
            f"{story.name(ADMIN)} presses “Add from the management reviews” and gives {agency}'s "
            f"recommendation to {story.name(OWNERS[agency])}"
        ):
            harness.driver.block_action(
                ADMIN,
                MonitoringAction.ADD_CARRIED.value,
                channel_id=plan.channel,
                message_ts=plan.ts,
            )
            harness.wait()
            answers = {MonitoringBlock.OWNER.value: OWNERS[agency]}
            if pending[0].recommendation.target_date is None:
                answers[MonitoringBlock.TARGET_DATE.value] = "2027-12-31"
            harness.driver.submit_view(ADMIN, {k: {INPUT_ACTION: v} for k, v in answers.items()})
        done.add(agency)


def _import_plan(story: Story, channel: str, agencies: list[str]) -> None:
    harness = story.harness
    with harness.runtime.db.session() as session:
        taken = len(session.scalars(select(Recommendation.id)).all())
        known = {a.name for a in active_agencies(session)}
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["Number", "Agency", "Action", "Owner", "Target date", "Expected outcome"])
    for number, agency in enumerate((a for a in agencies if a in known), start=taken + 1):
        writer.writerow(
            [number, agency, PLAN[agency], OWNERS[agency], "31/12/2027", "Seen in the audit"]
        )
    content = out.getvalue().encode("utf-8-sig")
    with story.step(f"{story.name(ADMIN)} types `/scr actions import` and attaches a CSV file"):
        harness.driver.slash_command(ADMIN, "actions import", channel_id=channel)
        harness.wait()
        view = harness.standin.open_view_for(ADMIN)
        assert view is not None, "the import modal did not open"
        file_id = harness.standin.add_user_file(
            ADMIN, harness.standin.im_with(ADMIN), "action-plan.csv", content
        )
        upload = [harness.standin.file_json(file_id)]
        harness.driver.submit_view(ADMIN, {MonitoringBlock.PLAN_FILE.value: {INPUT_ACTION: upload}})


def _show_plan(story: Story, channel: str, title: str) -> Any:
    harness = story.harness
    with story.step(title):
        harness.driver.slash_command(ADMIN, "actions", channel_id=channel)
    [answer] = harness.standin.ephemerals_for(ADMIN)[-1:]
    story.reply(ADMIN, "\n".join(line[2:] for line in render_blocks(answer.blocks, story.name)))
    return answer


def _round_due(story: Story, case_id: int, round_no: int) -> datetime:
    with story.harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return returns.round_due(_context(story, session), case, round_no)


def _travel(story: Story, until: datetime) -> None:
    """The worker ticks every working morning; the mornings when it said something about
    the action plan are shown (reminders about the case's older tasks are only counted)."""
    harness = story.harness
    cal = harness.runtime.working_calendar()
    d = cal.london_date(harness.clock.now()) + timedelta(days=1)
    other = 0
    while cal.day_start(d) <= until:
        if cal.is_working_day(d):
            harness.clock.set(cal.day_start(d))
            with story.quietly(worker=True) as calls:
                tick(harness.runtime)
            shown = [c for c in calls if _about_monitoring(c)]
            other += sum(1 for c in calls if c.method == "chat.postMessage") - len(shown)
            if shown:
                _replay(story, shown, f"{moment(cal.day_start(d))}: the worker's tick")
        d += timedelta(days=1)
    harness.clock.set(max(until, harness.clock.now()))
    if other:
        story.say(f"  (and {other} reminders about the case's older tasks, not shown)")


def _about_monitoring(call: RecordedCall) -> bool:
    if call.method in ("files.completeUploadExternal", "conversations.archive"):
        return True
    text = f"{call.args.get('text', '')} {json.dumps(call.args.get('blocks') or [])}"
    return call.method == "chat.postMessage" and ("progress return" in text or "recommend" in text)


def _replay(story: Story, calls: list[RecordedCall], title: str) -> None:
    story.show(title, calls)
    for call in calls:
        _summary(story, call)


def _summary(story: Story, call: RecordedCall) -> None:
    """What the Board business unit reads with a round's pro forma files."""
    if call.method == "files.completeUploadExternal" and call.ok:
        story.say("  ➜ with the files, the Board business unit reads:", short=False)
        for line in str(call.args.get("initial_comment", "")).splitlines():
            story.say(f"    ┃ {line}", short=False)


def _task_id(story: Story, case_id: int, agency: str, round_no: int) -> int:
    with story.harness.runtime.db.session() as session:
        [rec] = session.scalars(
            select(Recommendation)
            .join(Agency, Agency.id == Recommendation.agency_id)
            .where(Recommendation.case_id == case_id, Agency.name == agency)
        ).all()
        tasks = returns.tasks_of(session, case_id, rec_id=rec.id)
        [task] = [t for t in tasks if t.round_no == round_no]
        return task.id


def _send_return(
    story: Story, case_id: int, agency: str, round_no: int, status: str, text: str
) -> None:
    harness = story.harness
    user = OWNERS[agency]
    button = f'"value": "{_task_id(story, case_id, agency, round_no)}"'
    [message] = [m for m in harness.standin.dms_to(user) if button in json.dumps(m.blocks)][-1:]
    with story.step(f"{story.name(user)} presses “Send the progress return” and sends it"):
        harness.driver.block_action(
            user,
            MonitoringAction.SEND_RETURN.value,
            channel_id=message.channel,
            message_ts=message.ts,
        )
        harness.wait()
        before = len(harness.standin.calls)
        values = {MonitoringBlock.PROGRESS.value: text, MonitoringBlock.STATUS.value: status}
        harness.driver.submit_view(user, {k: {INPUT_ACTION: v} for k, v in values.items()})
        harness.wait()
    for call in harness.standin.calls[before:]:
        _summary(story, call)


def _board_closes(story: Story, case_id: int, channel: str, round_no: int) -> None:
    """The Board confirms what the owners reported implemented in this round."""
    harness = story.harness
    harness.clock.advance(timedelta(hours=3))
    with harness.runtime.db.session() as session:
        open_ids = session.scalars(
            select(Recommendation.id).where(
                Recommendation.case_id == case_id, Recommendation.status == "open"
            )
        ).all()
        reported = [
            rec_id
            for rec_id in open_ids
            if (row := returns.return_of(session, rec_id, round_no)) is not None
            and row.status == "implemented"
        ]
    for rec_id in reported:
        listing = _show_plan(story, channel, f"{story.name(ADMIN)} types `/scr actions`")
        block = next(b for b in listing.blocks if b.get("block_id") == f"rec_{rec_id}")
        option = next(
            o for o in block["accessory"]["options"] if o["value"].startswith("implemented:")
        )
        with story.step(f"{story.name(ADMIN)} marks it implemented for the Board"):
            harness.driver.block_action(
                ADMIN,
                MonitoringAction.MANAGE.value,
                block_id=f"rec_{rec_id}",
                channel_id=listing.channel,
                message_ts=listing.ts,
                selected_option=option,
            )
            harness.wait()
            harness.driver.submit_view(ADMIN, {})


def _sign_off(story: Story, channel: str) -> None:
    harness = story.harness
    listing = _show_plan(story, channel, f"{story.name(ADMIN)} looks at the plan: all closed")
    with story.step(f"{story.name(ADMIN)} presses “Sign off the case”"):
        harness.driver.block_action(
            ADMIN,
            MonitoringAction.SIGN_OFF.value,
            channel_id=listing.channel,
            message_ts=listing.ts,
        )
    archived = harness.standin.channels[channel].archived
    story.say()
    story.say(f"#{harness.standin.channels[channel].name} archived: {'yes' if archived else 'no'}")


def _write_files(story: Story, reference: str, folder: Path) -> None:
    """The latest pro forma of each round (a round summarised at its deadline and again when
    complete sent the same file name twice), from Slack or, with the case room on, from it."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    uploaded = [(s.name, s.content) for s in story.harness.standin.files.values() if s.uploaded]
    for name, content in [*uploaded, *kept_files(story.harness, reference, ADMIN)]:
        if "-progress-" in name:
            (folder / name).write_bytes(content)
            written.append(name)
    story.say()
    story.say(f"The Board's pro formas (Appendix 5), latest of each round: {folder}")
    for name in sorted(set(written)):
        story.say(f"  {name}", short=False)
    story.say("  " + ", ".join(sorted(set(written))), verbose=False)
