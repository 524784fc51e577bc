"""The review panel as the framework sets it up: the Initial Panel names its chair and members
when it is held; the chair is a senior manager of the CPU or someone the partnership file
lists as eligible (``review_chairs``) and takes up the post once they confirm no previous
involvement (tests/review/test_terms.py); every member confirms none, or the CPU records an
exception with its reason, before the review starts (its terms of reference are set)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.ids import (
    INPUT_ACTION,
    DecisionAction,
    DecisionBlock,
    PanelBlock,
    ReviewAction,
    ReviewBlock,
)
from storage.models import PanelChairAppointment, ReviewPanelMember
from tests.decision.helpers import (
    click,
    decided,
    decision_requests,
    ephemerals_text,
    modal_of,
    recommend,
    submit,
)
from tests.flow_helpers import all_calls_text, body_json, cases, refer
from tests.panel.helpers import (
    CHAIR,
    MEMBERS,
    ORGANISER,
    card_text,
    everyone_confirms_no_involvement,
    meetings,
    open_modal,
    schedule_panel,
)
from tests.panel.helpers import submit as submit_panel
from tests.panel.helpers import values as panel_values
from tests.panel.test_panel_changes import cpu_chores_done
from tests.review.test_terms import open_terms, terms_rows, terms_values
from tests.sealed import read_text

LONDON = ZoneInfo("Europe/London")


def appointments(harness) -> list[PanelChairAppointment]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(PanelChairAppointment)))


def appoint(harness, case, chosen: str):
    harness.driver.slash_command("U0CHAIR", "review chair", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, "U0CHAIR", "review_panel_chair")
    return body_json(submit(harness, "U0CHAIR", {ReviewBlock.PANEL_CHAIR.value: chosen}, view.id))


def test_someone_neither_in_the_cpu_nor_listed_as_eligible_cannot_chair(harness) -> None:
    case = decided(harness)

    answer = appoint(harness, case, "U0DPH")

    assert answer["response_action"] == "errors"
    error = answer["errors"][ReviewBlock.PANEL_CHAIR.value]
    assert "senior manager of the CPU" in error and "review_chairs" in error
    assert appointments(harness) == []
    assert not any("chair the review panel" in m.text for m in harness.standin.dms_to("U0DPH"))


def test_a_cpu_manager_or_someone_listed_as_eligible_is_asked_to_chair(harness) -> None:
    case = decided(harness)

    assert appoint(harness, case, "U0CPU2") == {}
    assert appoint(harness, case, "U0RLP") == {}

    assert [(a.slack_user_id, a.status) for a in appointments(harness)] == [
        ("U0CPU2", "replaced"),
        ("U0RLP", "pending"),
    ]
    assert any("chair the review panel" in m.text for m in harness.standin.dms_to("U0RLP"))


# The review panel the Initial Panel names ---------------------------------------------------

EXCEPTION = "The only police officer of that rank; the earlier contact was a records check."


def held_with_review_panel(harness, **named):
    """The Initial Panel met (everyone confirmed no previous involvement) and the CPU marks it
    held naming the review panel; returns the case and the held form's answer."""
    refer(harness, criteria=["inter_agency"])
    [case] = cases(harness)
    cpu_chores_done(harness, case.id)
    schedule_panel(harness, case)
    everyone_confirms_no_involvement(harness)
    harness.clock.set(datetime(2026, 12, 15, 12, 30, tzinfo=LONDON))
    view_id = open_modal(harness, ORGANISER, "panel held", case.channel_id)
    answers = {PanelBlock.ATTENDANCE.value: list(MEMBERS), **named}
    return case, view_id, submit_panel(harness, ORGANISER, panel_values(**answers), view_id)


def review_panel_rows(harness) -> dict[str, ReviewPanelMember]:
    with harness.runtime.db.session() as session:
        return {r.slack_user_id: r for r in session.scalars(select(ReviewPanelMember))}


def approve(harness, case) -> None:
    recommend(harness, case)
    dm, _ = decision_requests(harness, case)
    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)


def click_dm(harness, user: str, action: ReviewAction):
    [dm] = [m for m in harness.standin.dms_to(user) if action.value in str(m.blocks)]
    harness.driver.block_action(user, action.value, channel_id=dm.channel, message_ts=dm.ts)
    harness.wait()
    return dm


def test_the_held_form_names_only_an_eligible_review_chair(harness) -> None:
    _, view_id, answer = held_with_review_panel(
        harness,
        **{PanelBlock.REVIEW_CHAIR.value: "U0DPH", PanelBlock.REVIEW_MEMBERS.value: ["U0DPE"]},
    )

    assert answer["response_action"] == "errors"
    assert "senior manager of the CPU" in answer["errors"][PanelBlock.REVIEW_CHAIR.value]
    assert meetings(harness)[0].status == "scheduled"
    assert review_panel_rows(harness) == {}

    answer = submit_panel(
        harness,
        ORGANISER,
        panel_values(
            **{
                PanelBlock.ATTENDANCE.value: list(MEMBERS),
                PanelBlock.REVIEW_MEMBERS.value: ["U0DPE"],
            }
        ),
        view_id,
    )
    assert "Choose who chairs the review" in answer["errors"][PanelBlock.REVIEW_CHAIR.value]


@pytest.mark.postgres
def test_the_review_starts_once_the_named_panel_has_confirmed_or_been_excepted(harness) -> None:
    case, _, answer = held_with_review_panel(
        harness,
        **{
            PanelBlock.REVIEW_CHAIR.value: CHAIR,
            PanelBlock.REVIEW_MEMBERS.value: ["U0RLH", "U0DPE", "U0RLP"],
        },
    )
    assert answer == {}
    rows = review_panel_rows(harness)
    assert {u: (r.role, r.involvement) for u, r in rows.items()} == {
        CHAIR: ("chair", "none"),
        "U0RLH": ("member", "none"),
        "U0DPE": ("member", "unconfirmed"),
        "U0RLP": ("member", "unconfirmed"),
    }
    assert not any("review panel" in m.text for m in harness.standin.dms_to("U0DPE"))

    approve(harness, case)

    [ask] = [m for m in harness.standin.dms_to(CHAIR) if "chair the review panel" in m.text]
    assert ReviewAction.CHAIR_NO_INVOLVEMENT.value in str(ask.blocks)
    for user in ("U0DPE", "U0RLP"):
        assert any(
            ReviewAction.PANEL_NO_INVOLVEMENT.value in str(m.blocks)
            for m in harness.standin.dms_to(user)
        )
    assert not any(
        ReviewAction.PANEL_NO_INVOLVEMENT.value in str(m.blocks)
        for m in harness.standin.dms_to("U0RLH")
    )
    text = card_text(harness, case)
    assert "*Review panel*: <@U0RLH>, <@U0DPE>, <@U0RLP>" in text
    assert "not yet confirmed no previous involvement: <@U0DPE>, <@U0RLP>" in text

    view = open_terms(harness, case)
    refused = body_json(submit(harness, "U0CPU1", terms_values(harness), view.id))
    assert refused["response_action"] == "errors"
    said = str(refused["errors"])
    assert "The review starts once everyone on the review panel" in said
    assert "still to confirm <@U0DPE>, <@U0RLP>." in said
    assert terms_rows(harness) == []

    dm = click_dm(harness, "U0DPE", ReviewAction.PANEL_NO_INVOLVEMENT)
    assert "you sit on the review panel" in harness.standin.find_message(dm.channel, dm.ts).text
    click_dm(harness, "U0RLP", ReviewAction.PANEL_INVOLVED)
    assert any(
        "<@U0RLP>, named on the review panel, has been involved" in m.text
        for m in harness.standin.messages_in(case.channel_id)
    )
    assert review_panel_rows(harness)["U0RLP"].involvement == "declared"

    harness.driver.slash_command("U0DPE", "review exception", channel_id=case.channel_id)
    harness.wait()
    assert "Only the CPU can record an exception" in ephemerals_text(harness, "U0DPE") + str(
        [p.payload for p in harness.standin.hook_posts]
    )
    harness.driver.slash_command("U0CPU1", "review exception", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, "U0CPU1", "panel_exception")
    answer = body_json(
        submit(
            harness,
            "U0CPU1",
            {
                PanelBlock.EXCEPTION_MEMBER.value: "U0RLP",
                PanelBlock.EXCEPTION_REASON.value: EXCEPTION,
            },
            view.id,
        )
    )
    assert answer == {}
    excepted = review_panel_rows(harness)["U0RLP"]
    assert (excepted.involvement, excepted.excepted_by) == ("excepted", "U0CPU1")
    assert excepted.exception_reason is not None
    assert read_text(harness.runtime, case.id, excepted.exception_reason) == EXCEPTION
    assert EXCEPTION not in all_calls_text(harness)
    assert "exception recorded by the CPU for <@U0RLP>" in card_text(harness, case)

    assert "not yet confirmed" not in card_text(harness, case)
    harness.driver.block_action(
        CHAIR, ReviewAction.CHAIR_NO_INVOLVEMENT.value, channel_id=ask.channel, message_ts=ask.ts
    )
    harness.wait()
    view = open_terms(harness, case, CHAIR)
    assert body_json(submit(harness, CHAIR, terms_values(harness), view.id)) == {}
    assert len(terms_rows(harness)) == 1


def test_a_not_met_recommendation_asks_nobody_on_the_named_review_panel(harness) -> None:
    case, _, _ = held_with_review_panel(
        harness,
        **{PanelBlock.REVIEW_CHAIR.value: CHAIR, PanelBlock.REVIEW_MEMBERS.value: ["U0DPE"]},
    )
    recommend(harness, case, met=False)
    dm, _ = decision_requests(harness, case)
    click(harness, "U0CHAIR", DecisionAction.AUDIT, dm)
    harness.driver.submit_view(
        "U0CHAIR",
        {DecisionBlock.REASON.value: {INPUT_ACTION: "No concern about joint working."}},
    )
    harness.wait()

    assert appointments(harness) == []
    assert not any(
        ReviewAction.PANEL_NO_INVOLVEMENT.value in str(m.blocks)
        for m in harness.standin.dms_to("U0DPE")
    )


def test_someone_eligible_to_chair_still_gets_their_help(harness) -> None:
    answer = body_json(harness.driver.slash_command("U0DPE", "help"))

    assert "/scr" in answer["text"]
