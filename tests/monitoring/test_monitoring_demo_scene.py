"""The demo's monitoring scene plays to the archived channel on its own, from a fresh
referral (the earlier scenes wrapped up through the engine)."""

from __future__ import annotations

from pathlib import Path

from docx import Document

from bot.demo.monitoring import monitor_the_action_plan
from bot.demo.story import Story
from tests.flow_helpers import cases, refer


def test_the_scene_ends_with_the_channel_archived(harness, tmp_path: Path) -> None:
    refer(harness)
    [case] = cases(harness)
    story = Story(harness)

    folder = tmp_path / "monitoring"
    monitor_the_action_plan(story, case.reference, folder)

    out = "\n".join(story.out)
    assert "(The review's earlier stages are wrapped up; the Board agrees.)" in out
    assert "The deadline has passed: 1 return is overdue." in out
    assert "SCR-2026-001 is signed off by @Pat Admin" in out
    assert "#scr-2026-001 archived: yes" in out
    assert harness.standin.channels[case.channel_id].archived
    written = sorted(p.name for p in folder.iterdir())
    assert written == [
        "scr-2026-001-progress-2027-05-27.csv",
        "scr-2026-001-progress-2027-05-27.docx",
        "scr-2026-001-progress-2027-11-27.csv",
        "scr-2026-001-progress-2027-11-27.docx",
    ]
    [table] = Document(str(folder / "scr-2026-001-progress-2027-05-27.docx")).tables
    assert [row.cells[1].text for row in table.rows] == [
        "Agency",
        "Health",
        "Police",
        "Children's Services",
    ]
