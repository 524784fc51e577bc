"""The Board Chair and the business unit see every open case in App Home."""

from __future__ import annotations

from datetime import date

import pytest
from slack_sdk.models.blocks import Block

from bot.services.reminders.schema import CaseOverview, TaskLine
from bot.views.reminders import home_view, overdue_count, overview_line
from tests.flow_helpers import refer
from tests.referral.data import IDENTIFYING
from tests.reminders.reminder_helpers import complete, london, open_case


def _open_home(harness, user: str) -> list[str]:
    assert harness.driver.app_home_opened(user).status == 200
    harness.wait()
    home = harness.standin.home_view(user)
    assert home is not None, f"no Home tab was published for {user}"
    assert len(home["blocks"]) <= 100
    return [
        str(b.get("text", {}).get("text", "")) for b in home["blocks"] if b["type"] == "section"
    ]


def _case_lines(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.split("\n") if line.startswith("• ")]


@pytest.mark.postgres
def test_the_chair_sees_every_open_case_without_a_link_where_not_a_member(harness) -> None:
    case = open_case(harness)
    harness.clock.set(london(2026, 12, 1, 12))

    texts = _open_home(harness, "U0CHAIR")

    assert "You are not a member of any open case." not in texts
    (line,) = _case_lines(texts)
    assert line.startswith("• *SCR-2026-001* · ")
    assert "next deadline by Mon 30 Nov" in line
    assert line.endswith("3 overdue tasks")
    assert "<#" not in line and str(case.channel_id) not in line
    assert not [v for v in IDENTIFYING if v in "\n".join(texts)]


def test_the_business_unit_sees_the_link_where_a_member(harness) -> None:
    case = open_case(harness)
    link = f"<#{case.channel_id}>"

    (fresh,) = _case_lines(_open_home(harness, "U0ADMIN"))
    assert fresh.endswith(f"next deadline by Mon 30 Nov · {link}"), "none overdue, none shown"

    complete(harness, case.id, "cpu_cp_plan_checked", "cpu_other_children_considered")
    harness.clock.set(london(2026, 12, 1, 12))
    (line,) = _case_lines(_open_home(harness, "U0ADMIN"))

    assert line.startswith("• *SCR-2026-001* · ")
    assert line.endswith(f"next deadline by Mon 30 Nov · 1 overdue task · {link}")


def test_an_ordinary_designated_person_still_sees_only_their_cases(harness) -> None:
    mine = open_case(harness)
    refer(harness, "U0DPP", "Police")
    harness.clock.set(london(2026, 12, 1, 12))

    texts = _open_home(harness, "U0DPH")
    chair = _case_lines(_open_home(harness, "U0CHAIR"))

    assert [t for t in texts if t.startswith("• ")] == [
        f"• *SCR-2026-001* · {line.split(' · ')[1]} · <#{mine.channel_id}>" for line in chair[:1]
    ]
    assert "SCR-2026-002" not in "\n".join(texts)
    assert [line.split(" · ")[0] for line in chair] == ["• *SCR-2026-001*", "• *SCR-2026-002*"]


def test_overdue_tasks_are_counted_in_words() -> None:
    assert overdue_count(0) == ""
    assert overdue_count(1) == "1 overdue task"
    assert overdue_count(3) == "3 overdue tasks"
    today = date(2026, 12, 20)
    line = CaseOverview("SCR-2026-004", "Referral", date(2026, 12, 24), 3, None)
    assert overview_line(line, today) == (
        "• *SCR-2026-004* · Referral · next deadline by Thu 24 Dec · 3 overdue tasks"
    )
    calm = CaseOverview("SCR-2026-005", "Referral", date(2026, 12, 24), 0, "C05")
    assert overview_line(calm, today) == (
        "• *SCR-2026-005* · Referral · next deadline by Thu 24 Dec · <#C05>"
    )


def test_more_cases_than_fit_keep_the_home_under_100_blocks() -> None:
    today = date(2026, 12, 1)
    tasks = [
        TaskLine(i, "SCR-2026-001", "Secure all relevant records", "Health", today, False)
        for i in range(80)
    ]
    cases = [
        CaseOverview(f"SCR-2026-{i:03}", "Referral", date(2027, 1, 1), i % 3, None)
        for i in range(1, 3001)
    ]

    blocks: list[Block] = home_view(tasks, [], today, notice="Done.", overview=cases).blocks
    texts = [b.to_dict().get("text", {}).get("text", "") for b in blocks]
    shown = [line for text in texts for line in text.split("\n") if line.startswith("• ")]

    assert len(blocks) <= 100
    assert shown[0].startswith("• *SCR-2026-001* ·")
    assert 0 < len(shown) < 3000
    assert f"…and {3000 - len(shown)} more, with later deadlines." in texts[-1]
