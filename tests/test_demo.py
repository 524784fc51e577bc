"""`scr-bot demo` plays a case from referral to archive on a fresh SQLite database. By
default it tells the story briefly; `--verbose` keeps every Web API call; `--web` turns the
case room on and writes its pages. The demo is played once, with the case room on, for all
the tests here."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.demo import DemoRun, play, run_demo
from bot.demo.compact import CompactTelling, day_key
from bot.demo.referral import CHILD_VALUES, DEMO_DETAILS, DEMO_REFERRAL
from bot.demo.web import ChildInSlackError, check_no_child_in_slack
from bot.ids import ReferralBlock
from bot.testing.seed import PEOPLE
from bot.testing.standin.models import RecordedCall
from storage.db import Database
from storage.models import Case, CaseEvent

SHORT_BOUND = 410
"""The most lines the default telling may take."""
WEB_LINES = 10
"""What the case room adds to it: the details entered on the web, the pages, the check."""

SCENES = (
    "the referral",
    "the CPU books the Initial Panel",
    "the first checks",
    "the first reminders; the chronologies arrive",
    "the next working morning",
    "the Initial Panel has met (16:30)",
    "the Board Chair decides",
    "the review begins",
    "the authors submit their reviews",
    "Police resubmit",
    "the overview report's draft",
    "the Board has met",
    "the Board's steps after the report",
    "the action plan",
    "the first four-monthly progress round",
    "the second four-monthly progress round",
    "the Board signs the case off",
)
PRACTICE_SCENES = (
    "a practice review is referred",
    "the business unit notifies the national panel",
    "the business unit books the rapid review meeting",
    "the rapid review report goes to the national panel",
    "the safeguarding partners decide on a local review",
)
"""The second story's: a Child Safeguarding Practice Review up to the partners' decision."""
PRACTICE_LINES = 90
"""What the second story may add to the telling."""


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoRun, str]:
    printed = io.StringIO()
    with redirect_stdout(printed):
        run = play(tmp_path_factory.mktemp("demo"), web=tmp_path_factory.mktemp("demo-web"))
    return run, printed.getvalue()


@pytest.fixture(scope="module")
def web_folder(played: tuple[DemoRun, str]) -> Path:
    _, printed = played
    line = next(line for line in printed.splitlines() if line.startswith("Its pages"))
    assert line.endswith(": dashboard.html, scr-2026-001.html")
    return Path(line.removeprefix("Its pages, to open offline, in ").split(": ")[0])


def test_the_web_side_writes_the_dashboard_and_the_case_page(
    played: tuple[DemoRun, str], web_folder: Path
) -> None:
    _, printed = played
    dashboard = (web_folder / "dashboard.html").read_text()
    case = (web_folder / "scr-2026-001.html").read_text()

    assert '<h1 class="dashboard-title">The Board\'s dashboard</h1>' in dashboard
    assert "<svg" in dashboard
    assert "<h1>SCR-2026-001 " in case
    assert (web_folder / "portal.css").exists()
    for html in (dashboard, case):
        assert 'href="portal.css"' in html and "/portal/static/" not in html
        for value in CHILD_VALUES:
            assert value not in html
    assert "The case room: Pat Admin signed in with Slack (the stand-in)." in printed
    assert "Dr Lee (Health DP) follows the modal's link" in printed


def test_no_slack_call_carried_the_child(played: tuple[DemoRun, str]) -> None:
    run, printed = played
    checked = len(run.standin.calls)
    assert f"No Slack call carried the child's details ({checked} calls checked)" in printed
    assert checked > 300
    assert DEMO_DETAILS["child_telephone"] in CHILD_VALUES


def test_the_check_fails_loudly_on_a_planted_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = RecordedCall("chat.postMessage", {"text": "SCR-2026-001 is open"}, True, None, 0.0)
    planted = RecordedCall(
        "chat.postMessage",
        {"blocks": [{"type": "section", "text": {"text": "Visit to 1 EXAMPLE STREET"}}]},
        True,
        None,
        0.0,
    )
    assert check_no_child_in_slack([clean], CHILD_VALUES) == 1
    with pytest.raises(ChildInSlackError, match=r"call 1 \(chat.postMessage\)") as raised:
        check_no_child_in_slack([clean, planted], CHILD_VALUES)
    assert "Example" not in str(raised.value)

    def planting(*args: object, **kwargs: object) -> None:
        check_no_child_in_slack([planted], CHILD_VALUES)

    monkeypatch.setattr("bot.demo.play", planting)
    assert run_demo(str(tmp_path), web=str(tmp_path / "web")) == 1
    assert "scr-bot demo: FAILED: Slack call 0 (chat.postMessage)" in capsys.readouterr().err


def test_the_demo_plays_the_whole_life_of_a_case(played: tuple[DemoRun, str]) -> None:
    run, _ = played
    full = "\n".join(run.story.full)

    for moment in (
        "private channel #scr-2026-001 created",
        "pinned in scr-2026-001",
        "modal opened: Refer a case",
        "daily digest",
        "scr-2026-001-initial-panel.ics",
        "scr-2026-001-interview-1.ics",
        "Approve SCR",
        "scr-2026-001-integrated-chronology",
        "is signed off",
        "Health's synopsis submitted",
        "Police's synopsis submitted",
    ):
        assert moment in full, moment
    folder = run.folder
    assert (folder / "scr-demo.sqlite3").exists()
    assert (folder / "chronology" / "scr-2026-001-integrated-chronology.docx").exists()
    assert list((folder / "panel-invites").rglob("*.ics"))
    assert list((folder / "monitoring").glob("scr-2026-001-progress-*.docx"))


def test_the_panel_gets_its_papers_and_the_chair_makes_the_report_skeleton(
    played: tuple[DemoRun, str],
) -> None:
    run, printed = played
    lines = printed.splitlines()

    papers = lines.index(
        "▸ Sam CPU types `/scr panel papers` in the case channel: the integrated chronology "
        "goes to the panel"
    )
    held = next(i for i, line in enumerate(lines) if "the Initial Panel has met" in line)
    assert papers < held
    assert any(
        "the integrated chronology for the Initial Panel on Wed 16 Dec 14:00 is in "
        "SCR-2026-001 in the case room" in line
        for line in lines[papers:held]
    )
    assert (
        "  ➜ the panel's 5 members were each told by DM where the chronology is; the CPU's "
        "task “Send chronology to panel” is done" in lines
    )
    assert not any("chronology to the panel" in line and "overdue" in line for line in lines)
    skeleton = lines.index(
        "▸ Mo (Education DP) types `/scr report skeleton`: the overview report's skeleton is made"
    )
    draft = next(i for i, line in enumerate(lines) if "`/scr report ready`" in line)
    assert skeleton < draft
    assert (
        "  ➜ scr-2026-001-overview-report-skeleton.docx (Word), kept in the case room: it names "
        "the case by its reference only, never the child" in lines
    )
    assert not [f for f in run.standin.files.values() if "skeleton" in f.name], "kept, not sent"


def test_neither_telling_shows_the_child(played: tuple[DemoRun, str]) -> None:
    run, printed = played
    for shown in (printed, "\n".join(run.story.full)):
        for field in (ReferralBlock.CHILD_NAME, ReferralBlock.ADDRESS, ReferralBlock.CHILD_DOB):
            assert str(DEMO_REFERRAL[field]) not in shown
        for value in CHILD_VALUES:
            assert value not in shown


def test_by_default_the_story_is_told_in_a_few_hundred_lines(
    played: tuple[DemoRun, str],
) -> None:
    run, printed = played
    lines = printed.splitlines()

    assert len(lines) <= SHORT_BOUND + PRACTICE_LINES + WEB_LINES
    assert lines == run.story.short
    assert not [line for line in lines if line.lstrip().startswith("· ")], "Web API plumbing"
    headings = [line for line in lines if line.startswith("══ Day ")]
    assert [re.sub(r"^══ Day \d+, \w{3} \d+ \w{3} \d{4} - | ══$", "", h) for h in headings] == [
        *SCENES,
        *PRACTICE_SCENES,
    ]
    assert "══ Day 1, Fri 27 Nov 2026 - the referral ══" in lines
    # what people saw, a line or two a message, buttons as verbs
    assert any(
        line.startswith("    DM to Sam CPU, Jo CPU: a new referral from Health has arrived")
        and "[Open case channel]" in line
        for line in lines
    )
    # the card whole once, then only when the stage or a row's state changes
    assert sum("the case card, pinned" in line for line in lines) == 2, "once for each case"
    assert sum("the case card at its new stage" in line for line in lines) >= 3
    assert len(lines) < len(run.story.full) / 4


def test_verbose_keeps_every_call(played: tuple[DemoRun, str]) -> None:
    run, printed = played
    full = run.story.full

    assert "  · users.info" in full
    assert "  · conversations.open" in full
    assert sum(line.startswith("    ┃ SCR-2026-001 · ") for line in full) > 20, "whole cards"
    assert "  · users.info" not in printed


def _table(lines: list[str]) -> dict[str, list[int]]:
    start = next(i for i, line in enumerate(lines) if line.startswith("DMs each person got"))
    rows: dict[str, list[int]] = {}
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        match = re.match(r"  (.+?)\s{2,}(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", line)
        if match:
            rows[match[1]] = [int(match[n]) for n in range(2, 6)]
    return rows


def test_the_dm_counts_at_the_end_match_the_standins_record(
    played: tuple[DemoRun, str],
) -> None:
    run, printed = played
    standin, story = run.standin, run.story
    table = _table(printed.splitlines())

    reminders_in_all = 0
    for person in PEOPLE:
        dm = standin.im_with(person.user_id)
        posted_in_all = [
            (index, call)
            for index, call in enumerate(standin.calls)
            if call.method == "chat.postMessage"
            and call.ok
            and call.args.get("channel") in (person.user_id, dm)
        ]
        posted = [(i, call) for i, call in posted_in_all if i < run.first_story_calls]
        if not posted:
            assert person.name not in table
            continue
        reminders = digests = 0
        for index, call in posted:
            metadata = call.args.get("metadata") or {}
            key = str((metadata.get("event_payload") or {}).get("key", ""))
            if key.startswith("digest:"):
                digests += 1
            elif str(metadata.get("event_type", "")).startswith("scr_reminder") or (
                index in story.by_worker
            ):
                reminders += 1
        reminders_in_all += reminders
        messages = [m for m in standin.dms_to(person.user_id) if not m.files]
        assert len(messages) == len(posted_in_all)
        reminders_shown, _, digests_shown, dms_shown = table[person.name]
        assert (reminders_shown, digests_shown, dms_shown) == (reminders, digests, len(posted))
    assert table["Everyone"][0] == reminders_in_all > 0
    assert table["Everyone"][1] == max(row[1] for name, row in table.items() if name != "Everyone")
    assert table["Pat Admin"][2] >= 1, "the business unit's digest, counted on its own"


def test_the_command_line_takes_verbose(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asked: list[tuple[str | None, bool, str | None]] = []
    monkeypatch.setattr(
        "bot.demo.run_demo",
        lambda output, *, verbose, web: asked.append((output, verbose, web)) or 0,
    )
    assert main(["demo", "--verbose", "--output", str(tmp_path)]) == 0
    assert main(["demo"]) == 0
    assert main(["demo", "--web", str(tmp_path / "web")]) == 0
    assert asked == [
        (str(tmp_path), True, None),
        (None, False, None),
        (None, False, str(tmp_path / "web")),
    ]


def test_messages_of_the_day_are_told_alike_whichever_slack_took_first(
    played: tuple[DemoRun, str],
) -> None:
    """They go out side by side; the telling orders them by recipient, so it is the same
    each run."""
    run, _ = played
    calls = run.standin.calls
    slots = [n for n, c in enumerate(calls) if day_key(c)]
    assert len({calls[n].args["channel"] for n in slots}) > 1
    turned = list(calls)
    for n, m in zip(slots, reversed(slots), strict=True):
        turned[n] = calls[m]

    def told(order: list[RecordedCall]) -> list[str]:
        telling = CompactTelling(run.standin, run.story.name, lambda _channel: None)
        return telling.tell(order)

    assert told(turned) == told(list(calls))


def test_a_set_ups_dms_are_told_alike_whichever_slack_took_first(
    played: tuple[DemoRun, str],
) -> None:
    """A set-up's DMs go side by side after its card; the telling orders them by their
    keys, so the referral is told the same each run."""
    run, _ = played
    calls = run.standin.calls
    pinned = next(n for n, c in enumerate(calls) if c.method == "pins.add")
    end = next(n for n in range(pinned + 1, len(calls)) if calls[n].method != "chat.postMessage")
    assert end - pinned - 1 >= 3, "the CPU, Health's briefings and the referrer"
    turned = [*calls[: pinned + 1], *reversed(calls[pinned + 1 : end]), *calls[end:]]

    def told(order: list[RecordedCall]) -> list[str]:
        telling = CompactTelling(run.standin, run.story.name, lambda _channel: None)
        return telling.tell(order)

    assert told(turned) == told(list(calls))


def test_the_second_story_takes_a_practice_review_to_the_partners_decision(
    played: tuple[DemoRun, str],
) -> None:
    run, printed = played
    told = printed[printed.index("The second story: a Child Safeguarding Practice Review") :]
    assert "picks the Child Safeguarding Practice Review" in told
    assert "Notified the national panel on Tue 1 Dec 2026, reference NP-2026-0193" in told
    assert "Sent the rapid review report to the national panel on Thu 17 Dec 2026" in told
    assert "scr-2026-002-rapid-review-meeting.ics" in told
    assert "Hold the rapid review meeting: by Tue 15 Dec · meeting booked for Wed 9 Dec" in told
    for lead in ("Ines Police Lead", "Kim Health Lead", "Chris (Children's Services DP)"):
        assert f"▸ {lead} presses Hold a local review in their DM" in told
    assert "the safeguarding partners decided" in told
    assert "SCR-2026-002 · Local child safeguarding practice review" in told

    database = Database.from_url(f"sqlite:///{run.folder / 'scr-demo.sqlite3'}")
    with database.reading() as session:
        case = session.scalars(select(Case).where(Case.reference == "SCR-2026-002")).one()
        assert (case.process_key, case.stage) == ("cspr", "local_review")
        recorded = set(session.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case.id)))
    database.dispose()
    assert {"referral", "notification", "rapid_review_sent", "decision"} <= recorded
