"""`scr-bot demo`: the bot against a local Slack stand-in on a fresh SQLite database,
playing a case as the partnership's people would, and printing what each of them saw; then,
shorter, a Child Safeguarding Practice Review up to the partners' decision."""

from __future__ import annotations

import logging
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.demo.decision import decide_the_case
from bot.demo.first_month import first_month
from bot.demo.monitoring import monitor_the_action_plan
from bot.demo.panel import schedule_the_panel, send_the_papers
from bot.demo.practice_review import play_a_practice_review
from bot.demo.referral import CHILD_VALUES, refer_a_case
from bot.demo.reminders import the_next_working_morning
from bot.demo.review import run_the_review
from bot.demo.story import Story
from bot.demo.web import (
    BOARD_VIEWER,
    ChildInSlackError,
    check_no_child_in_slack,
    portal_settings,
    signed_in,
    write_pages,
)
from bot.testing.harness import make_settings, seed_people, start_harness
from bot.testing.standin import SlackStandIn
from storage.db import Database
from storage.migrate import upgrade

DEMO_START = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@dataclass
class DemoRun:
    """What a played demo leaves behind: its tellings and the stand-in's record."""

    story: Story
    standin: SlackStandIn
    folder: Path
    first_story_calls: int
    """How many Web API calls the first story made (the DM counts are of these)."""


def run_demo(output: str | None = None, *, verbose: bool = False, web: str | None = None) -> int:
    try:
        play(output, verbose=verbose, web=web)
    except ChildInSlackError as exc:
        print(f"scr-bot demo: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


def play(
    output: str | Path | None = None,
    *,
    verbose: bool = False,
    echo: bool = True,
    web: str | Path | None = None,
) -> DemoRun:
    """Plays the case, printing the short telling (or, with ``verbose``, every call);
    the database and the files land in ``output`` (default: a new temporary folder).
    With ``web``, the case room is on: the child's details are entered on its form, the
    dashboard and the case's page are written to ``web``, and the demo fails
    (`ChildInSlackError`) if any Slack call carried the child's details."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    folder = Path(output) if output else Path(tempfile.mkdtemp(prefix="scr-bot-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "scr-demo.sqlite3"
    if db_path.exists():
        db_path.unlink()
    database = Database.from_url(f"sqlite:///{db_path}")
    upgrade(database.engine)
    with SlackStandIn() as standin:
        seed_people(standin)
        settings = make_settings(
            standin,
            f"sqlite:///{db_path}",
            SCR_ENV="development",
            SCR_ENCRYPTION_KEY=None,
            **(portal_settings(standin) if web else {}),
        )
        harness = start_harness(standin, database, FrozenClock(DEMO_START), settings=settings)
        story = Story(harness, verbose=verbose, echo=echo)
        story.say("scr-bot demo: a Serious Case Review, played against a local Slack stand-in.")
        story.say(f"It is {DEMO_START:%a %d %b %Y %H:%M} in London.")
        try:
            story.scene("the referral")
            reference = refer_a_case(story)
            story.say()
            story.say(f"The case is {reference}. Slack saw the reference only, never the child.")
            story.scene("the CPU books the Initial Panel")
            schedule_the_panel(story, reference, folder / "panel-invites")
            first_month(story, reference, folder / "chronology")
            send_the_papers(story, reference)
            the_next_working_morning(story)
            decide_the_case(story, reference)
            run_the_review(story, reference)
            monitor_the_action_plan(story, reference, folder / "monitoring")
            story.dm_counts()
            first_story_calls = len(standin.calls)
            play_a_practice_review(standin, settings, database, DEMO_START, story)
            if web:
                show_the_web_side(story, reference, Path(web))
        finally:
            harness.close()
    story.say()
    story.say(f"Database: {db_path}")
    story.say(f"Files: {folder}")
    story.say(
        "(`scr-bot demo --verbose` shows every Web API call and every message in full.)",
        verbose=False,
    )
    return DemoRun(story, standin, folder, first_story_calls)


def show_the_web_side(story: Story, reference: str, folder: Path) -> None:
    """Writes the dashboard and the case page as the business unit sees them, then checks
    every Slack call of the demo for the child's details."""
    browser = signed_in(story.harness.flask, BOARD_VIEWER)
    pages = write_pages(browser, reference, folder)
    story.say()
    story.say(f"The case room: {story.name(BOARD_VIEWER)} signed in with Slack (the stand-in).")
    story.say(f"Its pages, to open offline, in {folder}: {', '.join(p.name for p in pages)}")
    checked = check_no_child_in_slack(story.harness.standin.calls, CHILD_VALUES)
    story.say(f"No Slack call carried the child's details ({checked} calls checked)")
