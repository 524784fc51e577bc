"""Each lead's confirmation counts once: a double click, a duplicate delivery or three leads
clicking at the same moment give one decision; anyone else is refused and recorded; answers
that differ are shown and the decision waits until the three agree."""

from __future__ import annotations

import threading

import pytest

from bot.partnership_config import parse_partnership
from bot.testing.harness import start_harness
from bot.testing.seed import SEED_TOML
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
from tests.process.helpers import DELEGATED_LEAD


@pytest.mark.postgres
def test_three_leads_clicking_at_the_same_moment_make_exactly_one_decision(partners) -> None:
    """Each lead clicks twice at once from their DM (six requests racing): one answer per
    partner, one decision, one local review."""
    case = at_rapid_review(partners)
    messages = {lead: request_to(partners, lead) for lead in LEADS}
    clickers = [lead for lead in LEADS for _ in range(2)]
    start = threading.Barrier(len(clickers))
    statuses: list[int] = []

    def confirm(lead: str) -> None:
        message = messages[lead]
        start.wait()
        response = partners.driver.block_action(
            lead, HOLD.value, channel_id=message.channel, message_ts=message.ts
        )
        statuses.append(response.status)

    threads = [threading.Thread(target=confirm, args=(lead,)) for lead in clickers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    partners.wait()

    assert statuses == [200] * len(clickers)
    [decision] = decisions(partners)
    assert decision.outcome == "hold"
    assert len(events(partners, case.id, "decision")) == 1
    assert len(audited(partners, "partners_decision.made")) == 1
    confirmed = audited(partners, "partners_decision.confirmed")
    assert sorted(a.actor for a in confirmed) == sorted(LEADS), "each lead's confirmation once"
    assert stored(partners, case.id).stage == "local_review"
    assert len(tasks(partners, case.id, "terms_of_reference")) == 1
    assert len(tasks(partners, case.id, "review_report")) == 1
    for lead in LEADS:
        assert HOLD.value not in str(request_to(partners, lead).blocks), "the buttons are gone"


def test_a_double_click_and_a_duplicate_delivery_have_one_effect(partners) -> None:
    case = at_rapid_review(partners)
    message = request_to(partners, LA)
    partners.standin.slow("chat.update", 0.5)

    first = partners.driver.block_action(
        LA, HOLD.value, channel_id=message.channel, message_ts=message.ts
    )
    second = partners.driver.block_action(
        LA, HOLD.value, channel_id=message.channel, message_ts=message.ts
    )
    again = partners.driver.redeliver()  # Slack delivers the second click once more
    partners.wait()

    assert first.status == second.status == again.status == 200
    assert answers(partners, case.id) == {"local_authority": ("hold", LA)}
    assert len(audited(partners, "partners_decision.confirmed")) == 1
    said = said_to(partners, LA)
    assert "you have already confirmed *hold a local review* for the local authority" in said
    assert "Nothing has changed" in said

    click(partners, POLICE, HOLD)
    click(partners, HEALTH, HOLD)
    partners.driver.redeliver()
    partners.wait()
    assert len(decisions(partners)) == 1
    assert len(audited(partners, "partners_decision.confirmed")) == 3
    assert len(audited(partners, "partners_decision.made")) == 1
    assert len(events(partners, case.id, "decision")) == 1
    assert "was already decided" in said_to(partners, HEALTH)


def test_a_stale_button_after_the_decision_changes_nothing_and_heals(partners) -> None:
    """Slack refused to redraw the requests, so a lead still sees the buttons."""
    case = at_rapid_review(partners)
    partners.standin.fail("chat.update", error="update_failed", times=50)
    for lead in LEADS:
        click(partners, lead, HOLD)
    stale = request_to(partners, HEALTH)
    assert NO_REVIEW.value in str(stale.blocks)
    partners.standin.clear_faults()

    click(partners, HEALTH, NO_REVIEW, stale)

    assert [d.outcome for d in decisions(partners)] == ["hold"]
    assert answers(partners, case.id)["health"] == ("hold", HEALTH)
    said = said_to(partners, HEALTH)
    assert "was already decided" in said and "Nothing has changed" in said
    assert NO_REVIEW.value not in str(request_to(partners, HEALTH).blocks), "redrawn"
    assert stored(partners, case.id).stage == "local_review"


@pytest.mark.parametrize("user", ["U0DPH", "U0ADMIN", "U0CPU1", DELEGATED_LEAD, "U0OUTSIDER"])
def test_anyone_but_the_three_leads_is_refused_and_the_attempt_recorded(partners, user) -> None:
    case = at_rapid_review(partners)
    posted = request_in_channel(partners, case)
    updates = len(partners.standin.calls_to("chat.update"))

    response = click(partners, user, HOLD, posted)

    assert response.status == 200
    assert "Only the safeguarding partners' leads" in said_to(partners, user)
    assert "your attempt has been recorded" in said_to(partners, user)
    assert answers(partners, case.id) == {}
    assert decisions(partners) == []
    [refused] = audited(partners, "partners_decision.refused")
    assert (refused.actor, refused.case_id, refused.detail) == (user, case.id, {"outcome": "hold"})
    assert len(partners.standin.calls_to("chat.update")) == updates
    assert tasks(partners, case.id, "rapid_review")[0].status == "open"


def test_answers_that_differ_are_shown_and_the_decision_waits_until_all_agree(partners) -> None:
    case = at_rapid_review(partners)
    click(partners, LA, HOLD)

    click(partners, POLICE, NO_REVIEW)

    said = said_to(partners, POLICE)
    assert "you answered *no local review* for the police" in said
    assert "the local authority's lead confirmed *hold a local review*" in said
    assert "only once all three leads agree" in said
    assert answers(partners, case.id) == {
        "local_authority": ("hold", LA),
        "police": ("none", POLICE),
    }
    shown = str(request_to(partners, HEALTH).blocks)
    assert f"<@{LA}> confirmed *hold a local review*" in shown
    assert f"<@{POLICE}> confirmed *no local review*" in shown
    assert "The leads' answers differ" in shown
    assert "the leads' answers differ: the decision waits until all three agree" in card(
        partners, case
    )

    click(partners, HEALTH, HOLD)
    assert decisions(partners) == [], "two of three agreeing is not a decision"
    assert stored(partners, case.id).stage == "rapid_review"
    assert "the police's lead confirmed *no local review*" in said_to(partners, HEALTH)

    click(partners, POLICE, HOLD)  # the police come round

    [decision] = decisions(partners)
    assert decision.outcome == "hold"
    assert stored(partners, case.id).stage == "local_review"
    changes = [a.detail for a in audited(partners, "partners_decision.confirmed")]
    assert changes[-1] == {"partner": "police", "outcome": "hold", "changed_from": "none"}
    assert len(changes) == 4
    assert "differ" not in card(partners, case)


def test_a_person_leading_two_partners_confirms_for_both(standin, database, clock) -> None:
    roles = 'partner_leads = { local_authority = "U0DPC", police = "U0DPC", health = "U0RLH" }\n'
    config = parse_partnership(SEED_TOML.replace("[board]", f"{roles}\n[board]", 1))
    harness = start_harness(standin, database, clock, partnership=config)
    try:
        case = at_rapid_review(harness)
        assert len([m for m in harness.standin.dms_to("U0DPC") if "partners" in str(m.blocks)]) == 1

        click(harness, "U0DPC", HOLD)
        assert answers(harness, case.id) == {
            "local_authority": ("hold", "U0DPC"),
            "police": ("hold", "U0DPC"),
        }
        assert "for the local authority and the police" in said_to(harness, "U0DPC")
        click(harness, "U0RLH", HOLD)
        assert [d.outcome for d in decisions(harness)] == ["hold"]
    finally:
        harness.close()
