"""The safeguarding partners' decision on a local review, through signed requests: the three
leads asked, each confirming; the decision recorded once all three agree, and what follows."""

from __future__ import annotations

import pytest

from bot.ids import PartnersAction
from bot.jobs.worker import tick
from tests.cspr_decision.helpers import (
    HEALTH,
    HOLD,
    LA,
    LEADS,
    NO_REVIEW,
    POLICE,
    answers,
    at_rapid_review,
    audited,
    buttons,
    card,
    click,
    decisions,
    events,
    request_in_channel,
    request_to,
    said_to,
    stored,
    tasks,
)
from tests.reminders.reminder_helpers import DMLog, complete, london


def test_each_lead_and_the_case_channel_are_asked_once(partners) -> None:
    case = at_rapid_review(partners)
    assert case.stage == "rapid_review"

    for message in (
        *(request_to(partners, lead) for lead in LEADS),
        request_in_channel(partners, case),
    ):
        shown = buttons(message)
        assert [b["text"]["text"] for b in shown] == [
            "Hold a local review",
            "No local review",
            "Record the national panel's view",
        ]
        assert all(b["value"] == str(case.id) for b in shown)
        assert all("confirm" in b for b in shown[:2]), "each decision is confirmed first"
        assert "the safeguarding partners' decision on a local review" in message.text
        assert f"<@{POLICE}>" in str(message.blocks) and "awaited" in str(message.blocks)
    text = card(partners, case)
    assert "Awaiting the safeguarding partners' decision on a local review" in text
    assert f"awaited: the local authority (<@{LA}>); the police (<@{POLICE}>); health" in text

    before = len(partners.standin.calls_to("chat.postMessage"))
    tick(partners.runtime)
    partners.wait()
    asked_again = [
        c
        for c in partners.standin.calls_to("chat.postMessage")[before:]
        if "partners" in str(c.args)
    ]
    assert asked_again == [], "a later tick asks nobody twice"


@pytest.mark.postgres
def test_when_all_three_leads_confirm_the_local_review_begins(partners) -> None:
    case = at_rapid_review(partners)

    click(partners, LA, HOLD)
    assert "you confirmed *hold a local review* for the local authority" in said_to(partners, LA)
    assert "Still awaited: the police and health" in said_to(partners, LA)
    text = card(partners, case)
    assert f"confirmed by the local authority (<@{LA}>: hold a local review)" in text
    assert f"awaited: the police (<@{POLICE}>); health (<@{HEALTH}>)" in text
    assert f"✓ The local authority: <@{LA}> confirmed" in str(request_to(partners, POLICE).blocks)
    assert decisions(partners) == []

    partners.clock.set(london(2026, 11, 30, 11))  # Monday
    click(partners, POLICE, HOLD)
    assert stored(partners, case.id).stage == "rapid_review"
    assert decisions(partners) == []
    assert f"<@{POLICE}> confirmed *hold a local review*, Mon 30 Nov 2026 11:00" in str(
        request_to(partners, HEALTH).blocks
    )
    partners.clock.set(london(2026, 12, 1, 15, 30))  # Tuesday
    click(partners, HEALTH, HOLD, request_in_channel(partners, case))

    [decision] = decisions(partners)
    assert decision.outcome == "hold" and decision.case_id == case.id
    assert stored(partners, case.id).stage == "local_review"
    assert len(events(partners, case.id, "decision")) == 1
    assert events(partners, case.id, "decided_no_local_review") == []
    [rapid] = tasks(partners, case.id, "rapid_review")
    assert rapid.status == "done" and rapid.completed_by == HEALTH
    for kind in ("terms_of_reference", "review_report"):
        [task] = tasks(partners, case.id, kind)
        assert task.status == "open"
    assert [t.status for t in tasks(partners, case.id, "agency_contribution")] == ["open"]
    assert answers(partners, case.id) == {
        "local_authority": ("hold", LA),
        "police": ("hold", POLICE),
        "health": ("hold", HEALTH),
    }
    confirmed = audited(partners, "partners_decision.confirmed")
    assert [(a.actor, a.detail["partner"]) for a in confirmed] == [
        (LA, "local_authority"),
        (POLICE, "police"),
        (HEALTH, "health"),
    ]
    [made] = audited(partners, "partners_decision.made")
    assert made.detail == {"outcome": "hold", "confirmed_by": sorted(LEADS)}

    for message in (
        *(request_to(partners, lead) for lead in LEADS),
        request_in_channel(partners, case),
    ):
        shown = str(message.blocks)
        assert (
            PartnersAction.HOLD.value not in shown and PartnersAction.NO_REVIEW.value not in shown
        )
        assert "the safeguarding partners decided, Tue 1 Dec 2026 15:30" in shown
        assert "a local child safeguarding practice review will be held" in message.text
        assert "Agree the terms of reference: by Tue 15 Dec 2026" in shown, "10 working days"
        assert "Publish the review: by Tue 1 Jun 2027" in shown, "six months"
        assert "awaited" not in shown
    text = card(partners, case)
    assert (
        "The safeguarding partners' decision*: a local child safeguarding practice review" in text
    )
    assert (
        "will be held (Tue 1 Dec 2026), confirmed by the local authority, the police and " in text
    )
    assert "Awaiting" not in text and "awaited" not in text, "nothing stale on the card"


def test_no_local_review_closes_the_case_once_the_national_panel_is_told(partners) -> None:
    case = at_rapid_review(partners)
    for lead in LEADS:
        click(partners, lead, NO_REVIEW)

    [decision] = decisions(partners)
    assert decision.outcome == "none"
    case = stored(partners, case.id)
    assert case.stage == "no_local_review" and case.closed_at is None
    assert len(events(partners, case.id, "decided_no_local_review")) == 1
    assert tasks(partners, case.id, "terms_of_reference") == []
    [told] = tasks(partners, case.id, "no_local_review_shared")
    assert told.status == "open" and told.owner_role == "admins"
    assert "there will be no local review" in request_to(partners, LA).text
    assert "Tell the national panel there will be no local review: by" in str(
        request_in_channel(partners, case).blocks
    )

    complete(partners, case.id, "no_local_review_shared")
    assert stored(partners, case.id).closed_at is not None


def test_a_leads_reminder_brings_the_decisions_buttons(partners) -> None:
    """The morning reminder of the rapid review carries no "Mark done" (the decision is the
    three leads'), but a button that shows the lead the request, to confirm from there."""
    case = at_rapid_review(partners)
    log = DMLog(partners)
    partners.clock.set(london(2026, 12, 17, 9))  # the day before the rapid review is due
    tick(partners.runtime)
    partners.wait()
    log.collect()
    title = "Complete the rapid review and decide on a local review"
    assert log.to(LA, title)
    [reminder] = [
        m
        for m in partners.standin.dms_to(LA)
        if PartnersAction.OPEN_DECISION.value in str(m.blocks)
    ]
    assert "task_mark_done" not in str(reminder.blocks)

    partners.driver.block_action(
        LA, PartnersAction.OPEN_DECISION.value, channel_id=reminder.channel, message_ts=reminder.ts
    )
    partners.wait()
    [shown] = [m for m in partners.standin.ephemerals_for(LA) if HOLD.value in str(m.blocks)]
    assert "the safeguarding partners' decision on a local review is needed" in shown.text

    click(partners, LA, HOLD, shown)

    assert answers(partners, case.id) == {"local_authority": ("hold", LA)}
    assert f"✓ The local authority: <@{LA}> confirmed" in str(request_to(partners, POLICE).blocks)


def test_the_local_review_waits_for_the_rapid_review_report(partners) -> None:
    """Decided before the rapid review's report has gone to the national panel: the decision
    is recorded, and the local review follows once the report is sent."""
    case = at_rapid_review(partners, report_sent=False)
    for lead in LEADS:
        click(partners, lead, HOLD)

    assert [d.outcome for d in decisions(partners)] == ["hold"]
    assert stored(partners, case.id).stage == "rapid_review"
    assert tasks(partners, case.id, "terms_of_reference") == []
    shown = str(request_in_channel(partners, case).blocks)
    assert "*Local child safeguarding practice review* follows once these are done:" in shown
    assert "Send the rapid review report to the national panel: by" in shown
    assert "Awaiting" not in card(partners, case)

    complete(partners, case.id, "rapid_review_report")

    assert stored(partners, case.id).stage == "local_review"
    assert [t.status for t in tasks(partners, case.id, "terms_of_reference")] == ["open"]
