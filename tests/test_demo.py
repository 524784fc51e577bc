"""`scr-bot demo` plays a case from referral to archive on a fresh SQLite database."""

from __future__ import annotations

from pathlib import Path

from bot.demo import run_demo
from bot.demo.referral import DEMO_REFERRAL
from bot.ids import ReferralBlock


def test_the_demo_plays_the_whole_life_of_a_case(tmp_path: Path, capsys) -> None:
    assert run_demo(str(tmp_path)) == 0
    shown = capsys.readouterr().out

    for moment in (
        "private channel #scr-2026-001 created",
        "pinned in scr-2026-001",
        "modal opened: Refer a case",
        "daily digest",
        "scr-2026-001-initial-panel.ics",
        "Approve SCR",
        "scr-2026-001-integrated-chronology",
        "is signed off",
        "Health's synopsis submitted",
        "Police's synopsis submitted",
    ):
        assert moment in shown, moment
    for field in (ReferralBlock.CHILD_NAME, ReferralBlock.ADDRESS, ReferralBlock.CHILD_DOB):
        assert str(DEMO_REFERRAL[field]) not in shown
    assert (tmp_path / "scr-demo.sqlite3").exists()
    assert (tmp_path / "chronology" / "scr-2026-001-integrated-chronology.docx").exists()
    assert list((tmp_path / "panel-invites").rglob("*.ics"))
    assert list((tmp_path / "monitoring").glob("scr-2026-001-progress-*.docx"))
