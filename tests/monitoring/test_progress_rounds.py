"""Round dates come from the process definition: six calendar months after the report was
agreed, then every six months, without drifting at month ends."""

from __future__ import annotations

from bot.services.monitoring import rounds as returns
from storage.models import Case
from tests.monitoring.monitoring_helpers import (
    LONDON,
    PLAN,
    SlackLog,
    add_owners,
    ctx,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
    travel,
)


def test_rounds_after_a_report_agreed_on_the_last_day_of_august(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2027, 8, 31, 15))
    with harness.runtime.db.session() as session:
        context = ctx(harness, session)
        stored = session.get(Case, case.id)
        dues = [
            f"{returns.round_due(context, stored, k).astimezone(LONDON):%a %d %b %Y %H:%M}"
            for k in range(1, 5)
        ]
        assert returns.current_round(context, stored) == 1
    assert dues == [
        "Tue 29 Feb 2028 17:30",
        "Thu 31 Aug 2028 17:30",
        "Wed 28 Feb 2029 17:30",
        "Fri 31 Aug 2029 17:30",
    ]
    harness.clock.set(london(2028, 3, 1, 9))
    with harness.runtime.db.session() as session:
        assert returns.current_round(ctx(harness, session), session.get(Case, case.id)) == 2


def test_a_return_never_sent_is_chased_until_the_next_deadline_then_lapses(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN[1:2]))
    log = SlackLog(harness)

    travel(harness, log, london(2028, 1, 5, 12))

    round_1 = [s.when for s in log.dms_to("U0OWNP") if "by Sun 27 Jun · *" in s.text]
    round_2 = [s.when for s in log.dms_to("U0OWNP") if "Mon 27 Dec" in s.text]
    assert round_1 == [
        "Mon 28 Jun 2027 09:00",
        "Wed 30 Jun 2027 09:00",
        "Wed 07 Jul 2027 09:00",
        "Wed 14 Jul 2027 09:00",
    ], "1, 3, 8 and 13 working days late; then stuck, on the business unit's digest"
    assert round_2 == [
        "Mon 13 Dec 2027 09:00",
        "Mon 20 Dec 2027 09:00",
        "Fri 24 Dec 2027 09:00",
        "Wed 29 Dec 2027 09:00",
        "Fri 31 Dec 2027 09:00",
    ], "Mon 27 and Tue 28 Dec 2027 are bank holidays; the next chase is Mon 10 Jan"
    summaries = [s for s in log.items if s.method == "files.completeUploadExternal"]
    assert [(s.when, s.text.split(",")[0]) for s in summaries] == [
        ("Mon 28 Jun 2027 09:00", "scr-2026-001-progress-2027-06-27.docx"),
        ("Wed 29 Dec 2027 09:00", "scr-2026-001-progress-2027-12-27.docx"),
    ], "deadline summaries only: round 1 never became complete"
    with harness.runtime.db.session() as session:
        tasks = {t.round_no: (t.status, t.completed_by) for t in returns.tasks_of(session, case.id)}
    assert tasks == {1: ("waived", "bot"), 2: ("open", None), 3: ("open", None)}
