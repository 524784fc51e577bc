"""Three years of monitoring, ticking the worker every working morning: the rounds and the
nudges that reached Slack (who, when in London), the Board's round summaries with the pro
forma, the sign-off, and silence afterwards."""

from __future__ import annotations

import csv
import io
import json

import pytest
from docx import Document
from sqlalchemy import select

from bot.ids import MonitoringAction
from bot.services.cases.audit import events_for
from storage.models import Case, MonitoringRound, Reminder, Task
from tests.monitoring.monitoring_helpers import (
    LONDON,
    PLAN,
    SlackLog,
    add_owners,
    import_plan,
    london,
    plan_csv,
    return_task,
    send_return,
    to_monitoring,
    travel,
)
from tests.monitoring.test_action_plan_entry import choose, listing

CS = "Children's Services"
LATE = "*1 working day late*"


def item(agency: str, n: int, due: str, state: str) -> str:
    """A progress return as an item of its owner's message of the day."""
    return f"*Send the progress return* · {agency} · recommendation {n}\nby {due} · {state}"


ROUND = "scr-2026-001-progress-{due}.docx,scr-2026-001-progress-{due}.csv"


def board_marks_implemented(harness, case, number):
    view = choose(harness, "U0ADMIN", case, "implemented", number)
    harness.driver.submit_view("U0ADMIN", {}, view_id=view.id)
    harness.wait()


def summaries(harness):
    """(London time, files, initial comment) of each round summary that reached Slack."""
    return [
        (c.args["files"], c.args.get("initial_comment", ""))
        for c in harness.standin.calls_to("files.completeUploadExternal")
        if c.ok
    ]


def stored_file(harness, name):
    [found] = [f for f in harness.standin.files.values() if f.name == name and f.uploaded]
    return found


@pytest.mark.postgres
def test_three_years_of_returns_until_the_board_signs_the_case_off(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    log = SlackLog(harness)

    # Round 1, due Sun 27 Jun 2027: Health and Children's Services on time, Police late.
    travel(harness, log, london(2027, 6, 22, 14))
    send_return(
        harness,
        "U0OWNH",
        return_task(harness, case.id, 1, 1).id,
        status="implemented",
        progress="Threshold reviewed and new guidance issued",
        evidence="https://intranet.example/guidance",
    )
    send_return(
        harness,
        "U0OWNC",
        return_task(harness, case.id, 3, 1).id,
        status="in_progress",
        progress="Audit half done",
    )
    log.collect()
    travel(harness, log, london(2027, 6, 29, 11))
    send_return(
        harness,
        "U0OWNP",
        return_task(harness, case.id, 2, 1).id,
        status="in_progress",
        progress="Sharing agreement drafted",
    )
    log.collect()
    harness.clock.set(london(2027, 6, 29, 14))
    board_marks_implemented(harness, case, 1)

    # Round 2, due Mon 27 Dec 2027 (a bank holiday): both returns early, the round complete.
    travel(harness, log, london(2027, 12, 20, 14))
    send_return(
        harness,
        "U0OWNP",
        return_task(harness, case.id, 2, 2).id,
        status="implemented",
        progress="Call-outs now shared daily",
    )
    send_return(
        harness,
        "U0OWNC",
        return_task(harness, case.id, 3, 2).id,
        status="in_progress",
        progress="Audit complete; actions under way",
    )
    log.collect()
    harness.clock.set(london(2027, 12, 21, 10))
    board_marks_implemented(harness, case, 2)

    # Round 3, due Tue 27 Jun 2028: the last recommendation is implemented.
    travel(harness, log, london(2028, 6, 26, 10))
    send_return(
        harness,
        "U0OWNC",
        return_task(harness, case.id, 3, 3).id,
        status="implemented",
        progress="Handover checklist in use",
    )
    log.collect()
    travel(harness, log, london(2028, 6, 28, 10))
    board_marks_implemented(harness, case, 3)
    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    harness.driver.block_action(
        "U0ADMIN",
        MonitoringAction.SIGN_OFF.value,
        channel_id=plan.channel,
        message_ts=plan.ts,
    )
    harness.wait()
    log.collect()
    signed_off_at = len(log.items)

    travel(harness, log, london(2029, 12, 28, 17))

    posts = [s for s in log.items if s.method == "chat.postMessage"]
    digests = [(s.when[:16], s.to) for s in posts if s.text.startswith("Daily digest")]
    assert {to for _, to in digests} <= {"U0ADMIN"}
    assert len(set(digests)) == len(digests), "one digest a day at most"
    nudges = [
        (s.when, s.to, "\n".join(s.text.splitlines()[-2:]))
        for s in posts
        if not s.text.startswith("Daily digest")
    ]
    # a morning's messages go side by side: within one morning, read them by person
    mornings: dict[str, int] = {}
    nudges.sort(key=lambda n: (mornings.setdefault(n[0], len(mornings)), n[1]))
    in_9, in_4 = "due in 9 working days", "due in 4 working days"
    june, december = "Fri 25 Jun (deadline Sun 27 Jun)", "Fri 24 Dec (deadline Mon 27 Dec)"
    assert nudges == [
        ("Mon 14 Jun 2027 09:00", "U0OWNC", item(CS, 3, june, in_9)),
        ("Mon 14 Jun 2027 09:00", "U0OWNH", item("Health", 1, june, in_9)),
        ("Mon 14 Jun 2027 09:00", "U0OWNP", item("Police", 2, june, in_9)),
        ("Mon 21 Jun 2027 09:00", "U0OWNC", item(CS, 3, june, in_4)),
        ("Mon 21 Jun 2027 09:00", "U0OWNH", item("Health", 1, june, in_4)),
        ("Mon 21 Jun 2027 09:00", "U0OWNP", item("Police", 2, june, in_4)),
        (
            "Fri 25 Jun 2027 09:00",
            "U0OWNP",
            item("Police", 2, june, "today is the last working day before it"),
        ),
        (
            "Mon 28 Jun 2027 09:00",
            "U0ADMIN",
            item(
                "Police",
                2,
                "Sun 27 Jun",
                f"{LATE} · you are told as the Board business unit",
            ),
        ),
        ("Mon 28 Jun 2027 09:00", "U0OWNP", item("Police", 2, "Sun 27 Jun", LATE)),
        ("Mon 13 Dec 2027 09:00", "U0OWNC", item(CS, 3, december, in_9)),
        ("Mon 13 Dec 2027 09:00", "U0OWNP", item("Police", 2, december, in_9)),
        ("Mon 20 Dec 2027 09:00", "U0OWNC", item(CS, 3, december, in_4)),
        ("Mon 20 Dec 2027 09:00", "U0OWNP", item("Police", 2, december, in_4)),
        ("Tue 13 Jun 2028 09:00", "U0OWNC", item(CS, 3, "Tue 27 Jun", "due in 10 working days")),
        ("Tue 20 Jun 2028 09:00", "U0OWNC", item(CS, 3, "Tue 27 Jun", "due in 5 working days")),
        ("Mon 26 Jun 2028 09:00", "U0OWNC", item(CS, 3, "Tue 27 Jun", "due in 1 working day")),
        (
            "Wed 28 Jun 2028 10:00",
            case.channel_id,
            "SCR-2026-001 is signed off by <@U0ADMIN> on Wed 28 Jun 2028: every recommendation "
            "is closed and the reminders have stopped. This channel is now archived.",
        ),
    ]
    sent_files = [(s.when, s.text) for s in log.items if s.method.startswith("files.")]
    assert sent_files == [
        ("Mon 28 Jun 2027 09:00", ROUND.format(due="2027-06-27")),
        ("Tue 29 Jun 2027 11:00", ROUND.format(due="2027-06-27")),
        ("Mon 20 Dec 2027 14:00", ROUND.format(due="2027-12-27")),
        ("Mon 26 Jun 2028 10:00", ROUND.format(due="2028-06-27")),
    ]
    assert log.items[signed_off_at - 1].method == "conversations.archive"
    assert log.items[signed_off_at:] == [], "nothing reaches Slack after the sign-off"

    [(files, deadline), (_, complete), (_, round_2), (_, round_3)] = summaries(harness)
    assert [f["title"] for f in files] == [
        "scr-2026-001-progress-2027-06-27.docx",
        "scr-2026-001-progress-2027-06-27.csv",
    ]
    assert "The deadline has passed: 1 return is overdue." in deadline
    assert (
        "3 recommendations: 1 implemented · 1 in progress · 0 not started · "
        "0 not implemented · 1 overdue return"
    ) in deadline
    assert "Overdue: 2 (Police)." in deadline
    assert "Reported implemented: 1 (Health)." in deadline
    assert "Every return of this round is in." in complete
    assert "1 implemented · 2 in progress" in complete and "0 overdue returns" in complete
    assert "3 recommendations: 2 implemented · 1 in progress" in round_2
    assert "1 recommendation: 1 implemented · 0 in progress" in round_3

    with harness.runtime.db.session() as session:
        rounds = session.scalars(select(MonitoringRound).order_by(MonitoringRound.round_no)).all()
        closed = session.get(Case, case.id)
        planned = session.scalars(select(Reminder).where(Reminder.status == "planned")).all()
        open_tasks = session.scalars(select(Task).where(Task.status == "open")).all()
        actions = [e.action for e in events_for(session, case.id)]
    due_dates = [(r.round_no, f"{r.due_at.astimezone(LONDON):%Y-%m-%d %H:%M}") for r in rounds]
    assert due_dates == [
        (1, "2027-06-27 17:30"),
        (2, "2027-12-27 17:30"),
        (3, "2028-06-27 17:30"),
        (4, "2028-12-27 17:30"),
    ], "round 4 opened on Wed 28 Jun 2028, before the Board closed the last recommendation"
    assert closed.closed_at is not None
    assert planned == [] and open_tasks == []
    assert actions.count("progress.summary_sent") == 4
    assert {"case.signed_off", "case.channel_archived"} <= set(actions)
    assert harness.standin.channels[case.channel_id].archived
    card = harness.standin.find_any_message(case.card_ts, case.channel_id)
    assert "*Signed off* by <@U0ADMIN> on Wed 28 Jun 2028" in json.dumps(
        card.blocks, ensure_ascii=False
    )


def test_the_pro_forma_reopens_with_its_rows(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    log = SlackLog(harness)
    travel(harness, log, london(2027, 6, 22, 14))
    send_return(
        harness,
        "U0OWNH",
        return_task(harness, case.id, 1, 1).id,
        status="implemented",
        progress="Threshold reviewed and new guidance issued",
        evidence="https://intranet.example/guidance",
    )
    send_return(
        harness,
        "U0OWNC",
        return_task(harness, case.id, 3, 1).id,
        status="not_implemented",
        progress="Teams merged, so no handovers remain",
        reason="The teams were merged in April",
    )
    travel(harness, log, london(2027, 6, 28, 10))

    word = stored_file(harness, "scr-2026-001-progress-2027-06-27.docx")
    document = Document(io.BytesIO(word.content))
    [table] = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [
        ["Recommendation number", "Agency", "Progress"],
        [
            "1",
            "Health",
            "Implemented (as at 22 June 2027): Threshold reviewed and new guidance issued "
            "Evidence: https://intranet.example/guidance",
        ],
        ["2", "Police", "No return: overdue (due 27 June 2027)."],
        [
            "3",
            "Children's Services",
            "Not implemented (as at 22 June 2027): Teams merged, so no handovers remain "
            "Reason: The teams were merged in April",
        ],
    ]
    assert "round 1 (due 27 June 2027)" in "\n".join(p.text for p in document.paragraphs)
    spreadsheet = stored_file(harness, "scr-2026-001-progress-2027-06-27.csv")
    assert spreadsheet.content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(spreadsheet.content.decode("utf-8-sig")))) == rows
