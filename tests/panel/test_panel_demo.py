"""The demo's panel scene: it schedules, collects answers, moves the panel, and leaves the
calendar files where it says."""

from __future__ import annotations

from pathlib import Path

from bot.demo.panel import schedule_the_panel, send_the_papers
from bot.demo.story import Story
from tests.flow_helpers import cases, refer
from tests.panel.helpers import ICS_NAME, card_text, parse_ical


def test_the_panel_scene_writes_each_revisions_calendar_file(harness, tmp_path: Path) -> None:
    refer(harness)
    story = Story(harness)

    schedule_the_panel(story, "SCR-2026-001", tmp_path)

    first = parse_ical((tmp_path / "revision-0" / ICS_NAME).read_bytes())
    moved = parse_ical((tmp_path / "revision-1" / ICS_NAME).read_bytes())
    assert first.events[0].uid == moved.events[0].uid
    assert (first.events[0].sequence, moved.events[0].sequence) == (0, 1)
    transcript = "\n".join(story.out)
    assert f"Calendar files (open them in Outlook or Google Calendar): {tmp_path}" in transcript
    assert "DS Rao (Police DP) accepts the invitation" in transcript
    # the card's first line is now the papers, due 5 working days before the moved panel
    assert "Send the integrated chronology to the panel: by Wed 9 Dec" in transcript
    assert "scheduled for Wed 16 Dec 14:00" in card_text(harness, cases(harness)[0])


def test_the_papers_scene_tells_the_panel_where_the_chronology_is(harness, tmp_path: Path) -> None:
    refer(harness)
    story = Story(harness)
    schedule_the_panel(story, "SCR-2026-001", tmp_path)

    send_the_papers(story, "SCR-2026-001")

    transcript = "\n".join(story.out)
    assert "Sam CPU types `/scr panel papers` in the case channel" in transcript
    assert "the integrated chronology for the Initial Panel on Wed 16 Dec 14:00 is in" in transcript
    assert (
        "the panel's 5 members were each told by DM where the chronology is; the CPU's task "
        "“Send chronology to panel” is done" in transcript
    )
    assert "Send the integrated chronology to the panel" not in card_text(
        harness, cases(harness)[0]
    )
