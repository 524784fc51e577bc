"""Words people act on, through signed requests and the stand-in's record: buttons are verbs
and, where one repeats, name the case and task they act on; the case card's agencies read as
labelled lines; `/scr help` lists the caller's own commands first; a count is singular only
when it is one; no button leads into a channel its reader is not in; and a draft to check
comes with its link and the date to answer by."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from bot.ids import PanelAction, ReviewBlock
from bot.testing.harness import Harness
from tests.decision.helpers import modal_of, submit
from tests.flow_helpers import body_json, cases, refer
from tests.monitoring.monitoring_helpers import (
    PLAN,
    SlackLog,
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
    travel,
)
from tests.panel.helpers import latest_dm, referred_case
from tests.panel.test_panel_find_time import propose
from tests.review.test_report import reviews_accepted

VERBS = {
    "Add",
    "Check",
    "Confirm",
    "Consider",
    "Export",
    "Find",
    "Mark",
    "Open",
    "Remove",
    "Schedule",
    "Send",
    "Snooze",
    "Hand",
    "Submit",
}
NOUNS = {
    "Notified CPU",
    "Records secured",
    "Chronology complete",
    "Child protection plan",
    "Other children at risk",
    "Organisations informed",
    "Board Chair informed",
    "Secure all relevant records",
}
"""What the buttons said before: the state a click records, or a task it does not do."""


def buttons_in(blocks: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        elements = [*(block.get("elements") or []), block.get("accessory") or {}]
        found += [e for e in elements if isinstance(e, dict) and e.get("type") == "button"]
    return found


def labels(blocks: Iterable[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in buttons_in(blocks)]


def repeated_buttons(blocks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons whose words appear more than once in one message or view."""
    buttons = buttons_in(blocks)
    seen = Counter(b["text"]["text"] for b in buttons)
    return [b for b in buttons if seen[b["text"]["text"]] > 1]


def assert_repeats_named(blocks: Sequence[dict[str, Any]]) -> list[str]:
    """Every repeated button carries an accessibility label, and no two the same."""
    repeated = repeated_buttons(blocks)
    assert repeated, "the view has no repeated button to check"
    named = [b.get("accessibility_label") for b in repeated]
    assert None not in named, [b["text"]["text"] for b in repeated]
    assert len(set(named)) == len(named), named
    return [str(n) for n in named]


def home(harness: Harness, user: str) -> list[dict[str, Any]]:
    assert harness.driver.app_home_opened(user).status == 200
    harness.wait()
    view = harness.standin.home_view(user)
    assert view is not None
    return list(view["blocks"])


def card_blocks(harness: Harness) -> list[dict[str, Any]]:
    case = cases(harness)[-1]
    assert case.channel_id and case.card_ts
    message = harness.standin.find_message(case.channel_id, case.card_ts)
    assert message is not None
    return list(message.blocks)


def test_buttons_say_what_they_do(harness) -> None:
    refer(harness, "U0RLH")
    briefing = [m for m in harness.standin.dms_to("U0DPH") if "secure its records" in m.text][-1]
    shown = {
        "card": labels(card_blocks(harness)),
        "briefing": labels(briefing.blocks),
        "the designated person's Home": labels(home(harness, "U0DPH")),
        "the CPU's Home": labels(home(harness, "U0CPU1")),
    }

    for where, words in shown.items():
        assert words, where
        assert not NOUNS & set(words), (where, words)
        assert {w.split()[0] for w in words} <= VERBS, (where, words)
    assert "Confirm records secured" in shown["briefing"]
    assert "Mark chronology complete" in shown["card"]
    items = ["Snooze", "Hand over"]
    assert shown["the CPU's Home"][:12] == [
        "Check child protection plan",
        *items,
        "Confirm organisations informed",
        *items,
        "Confirm Board Chair informed",
        *items,
        "Schedule panel",
        *items,
    ]


def test_repeated_buttons_name_the_case_and_the_task(harness) -> None:
    for _ in range(3):
        refer(harness, "U0RLH")
    references = [c.reference for c in cases(harness)]
    assert len(references) == 3

    for user in ("U0DPH", "U0CPU1"):
        named = assert_repeats_named(home(harness, user))
        assert len(named) >= 6, user
    named = assert_repeats_named(home(harness, "U0DPH"))
    for reference in references:
        assert f"Confirm records secured for {reference}, Health" in named
        assert f"Mark done for {reference}, Health" in named
    mine = body_json(harness.driver.slash_command("U0DPH", "my"))
    assert mine["text"] == "You have 9 open tasks (0 overdue) in 3 cases."
    assert sorted(assert_repeats_named(mine["blocks"])) == sorted(named)


def test_each_proposed_times_answers_name_the_time(harness) -> None:
    propose(harness, referred_case(harness))

    dm = latest_dm(harness, "U0DPP", PanelAction.SLOT_YES.value)
    named = assert_repeats_named(dm.blocks)
    assert named[:2] == [
        "I can make it for Tue 8 Dec 2026, 10:00–12:00",
        "I can't make it for Tue 8 Dec 2026, 10:00–12:00",
    ]
    assert len(named) == 6


def test_the_card_gives_each_agency_labelled_values(harness) -> None:
    refer(harness, "U0RLH")
    channel = cases(harness)[-1].channel_id
    harness.driver.slash_command("U0CPU1", "agency add Police", channel_id=channel)
    harness.wait()

    [grid] = [b for b in card_blocks(harness) if b.get("fields")]
    assert grid["text"]["text"] == "*Agencies*"
    assert [f["text"].splitlines() for f in grid["fields"]] == [
        [
            "*Health*",
            "notified: due Mon 30 Nov",
            "records secured: due Tue 1 Dec",
            "chronology: due Thu 24 Dec (deadline Sun 27 Dec)",
            "synopsis: due Thu 24 Dec (deadline Sun 27 Dec)",
        ],
        [
            "*Police*",
            "notified: due Mon 30 Nov",
            "records secured: due Tue 1 Dec",
            "chronology: due Thu 24 Dec (deadline Sun 27 Dec)",
            "synopsis: due Thu 24 Dec (deadline Sun 27 Dec)",
        ],
    ]
    assert "*Agency* ·" not in json.dumps(card_blocks(harness)), "no ragged table"


def _help(harness: Harness, user: str) -> tuple[list[str], list[str]]:
    """The commands `/scr help` lists as the caller's own, and the others."""
    text = body_json(harness.driver.slash_command(user, "help"))["text"]
    lines = text.splitlines()
    own = lines.index("*Your commands*")
    others = lines.index("*Other commands*")
    assert own < others
    usage = [line.split("`")[1] if line.startswith("• `") else line for line in lines]
    return usage[own + 1 : others], lines[others + 1 : -1]


def test_help_lists_the_callers_own_commands_first(harness) -> None:
    agency_own, agency_others = _help(harness, "U0DPP")
    assert {"/scr refer", "/scr imr submit", "/scr status [SCR-YYYY-NNN]", "/scr help"} <= set(
        agency_own
    )
    assert "/scr agency add <agency>" not in agency_own
    assert (
        "• `/scr agency add <agency>` (for the CPU and the business unit): involve an agency "
        "in this case (in the case channel)"
    ) in agency_others

    unit_own, unit_others = _help(harness, "U0ADMIN")
    assert {"/scr agency add <agency>", "/scr owner left", "/scr panel schedule"} <= set(unit_own)
    assert "/scr refer" not in unit_own and "/scr imr submit" not in unit_own
    assert any(line.startswith("• `/scr imr submit` (for agencies)") for line in unit_others)


@pytest.fixture
def plan_case(harness):
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    return case


@pytest.mark.parametrize(("rows", "words"), [(1, "1 overdue return"), (2, "2 overdue returns")])
def test_the_round_summary_counts_in_words(harness, plan_case, rows: int, words: str) -> None:
    import_plan(harness, plan_case, plan_csv(PLAN[:rows]))
    travel(harness, SlackLog(harness), london(2027, 6, 28, 10))

    [summary] = [
        c.args["initial_comment"]
        for c in harness.standin.calls_to("files.completeUploadExternal")
        if c.ok and "progress returns, round 1" in str(c.args.get("initial_comment"))
    ]
    assert f"· {words}" in summary
    assert f"{rows} {'return is' if rows == 1 else 'returns are'} overdue" in summary


def test_an_owner_outside_the_case_channel_gets_no_button_into_it(harness, plan_case) -> None:
    import_plan(harness, plan_case, plan_csv(PLAN))
    travel(harness, SlackLog(harness), london(2027, 6, 14, 10))
    channel = str(plan_case.channel_id)
    assert "U0OWNH" not in harness.standin.channels[channel].members

    nudges = [m for m in harness.standin.dms_to("U0OWNH") if "Your tasks today" in m.text]
    assert nudges
    for nudge in nudges:
        assert labels(nudge.blocks) == ["Send progress return", "Snooze", "Hand over"]
        assert channel not in json.dumps(nudge.blocks)


def _draft_request(harness: Harness, user: str) -> str:
    [dm] = [m for m in harness.standin.dms_to(user) if "overview report" in m.text]
    return json.dumps(dm.blocks, ensure_ascii=False)


def test_a_draft_to_check_is_linked_and_dated(harness) -> None:
    case = reviews_accepted(harness)
    harness.clock.set(london(2027, 3, 1, 10))
    file_id = harness.standin.add_user_file(
        "U0CPU1", harness.standin.im_with("U0CPU1"), "overview-draft.docx", b"PK draft", "docx"
    )
    harness.driver.slash_command("U0CPU1", "report ready", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, "U0CPU1", "review_draft_ready")
    submit(harness, "U0CPU1", {ReviewBlock.DOCUMENT.value: [{"id": file_id}]}, view.id)

    permalink = harness.standin.file_json(file_id)["permalink"]
    for person in ("U0DPP", "U0RLH"):
        request = _draft_request(harness, person)
        assert f"<{permalink}|Read draft 1>" in request
        assert "please check it by *Mon 15 Mar 2027*" in request
    [police] = [m for m in harness.standin.dms_to("U0DPP") if "overview report" in m.text]
    assert police.text.startswith("SCR-2026-001: please check the overview report's draft by")


def test_a_draft_without_a_file_says_whom_to_ask_and_is_due_before_the_review(harness) -> None:
    case = reviews_accepted(harness)
    harness.clock.set(london(2027, 3, 22, 10))
    harness.driver.slash_command("U0CPU1", "report ready", channel_id=case.channel_id)
    harness.wait()
    submit(harness, "U0CPU1", {}, modal_of(harness, "U0CPU1", "review_draft_ready").id)

    request = _draft_request(harness, "U0DPP")
    assert "No file was attached to draft 1: ask <@U0CPU1> for it" in request
    # the review is to be complete on Sat 27 Mar 2027, and Fri 26 Mar is Good Friday
    assert "by *Thu 25 Mar 2027*" in request
