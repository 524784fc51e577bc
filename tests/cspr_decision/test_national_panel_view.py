"""The national panel's view of the partners' decision: recorded in a small form from the
request (agrees, disagrees or not given yet, and a short reason screened for the child's
identifying details), stored encrypted, shown on the requests, the decision and the card."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import PartnersAction, PartnersBlock
from storage.models import NationalPanelView
from tests.cspr_decision.helpers import (
    HOLD,
    LA,
    LEADS,
    POLICE,
    at_rapid_review,
    audited,
    buttons,
    card,
    click,
    panel_view,
    request_in_channel,
    request_to,
    said_to,
)
from tests.flow_helpers import body_json, tampered_submission
from tests.process.helpers import DELEGATED_LEAD
from tests.referral.data import CHILD_NAME
from tests.sealed import read_text

REASON = "The panel sees learning about joint working between the police and health."


def stored_views(harness) -> list[NationalPanelView]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(NationalPanelView)))


def test_the_national_panels_view_is_stored_encrypted_and_shown(partners) -> None:
    case = at_rapid_review(partners)
    assert "*The national panel's view*: not recorded yet" in str(request_to(partners, LA).blocks)

    response = panel_view(partners, POLICE, "agrees", REASON)

    assert response.status == 200 and body_json(response) == {}
    [view] = stored_views(partners)
    assert (view.case_id, view.view, view.recorded_by) == (case.id, "agrees", POLICE)
    assert REASON.encode() not in (view.reason or b"")
    assert read_text(partners.runtime, case.id, view.reason) == REASON
    for message in (
        *(request_to(partners, lead) for lead in LEADS),
        request_in_channel(partners, case),
    ):
        shown = str(message.blocks)
        assert f"*The national panel's view*: agrees: {REASON} (recorded by <@{POLICE}>" in shown
        assert "Change the national panel's view" in [b["text"]["text"] for b in buttons(message)]
    assert "*The national panel's view*: agrees (recorded Fri 27 Nov 2026)" in card(partners, case)
    [recorded] = audited(partners, "national_panel_view.recorded")
    assert (recorded.actor, recorded.detail) == (POLICE, {"view": "agrees"})

    again = panel_view(partners, POLICE, "agrees", REASON)  # the same again: nothing new
    assert body_json(again) == {}
    assert len(audited(partners, "national_panel_view.recorded")) == 1

    for lead in LEADS:
        click(partners, lead, HOLD)
    decided = request_in_channel(partners, case)
    assert "the safeguarding partners decided" in str(decided.blocks)
    assert f"agrees: {REASON}" in str(decided.blocks), "the view stays with the decision"


def test_the_view_can_be_given_after_the_decision_and_the_form_shows_what_is_recorded(
    partners,
) -> None:
    case = at_rapid_review(partners)
    panel_view(partners, LA, "not_given")
    for lead in LEADS:
        click(partners, lead, HOLD)

    click(
        partners, DELEGATED_LEAD, PartnersAction.OPEN_PANEL_VIEW, request_in_channel(partners, case)
    )
    opened = partners.standin.open_view_for(DELEGATED_LEAD)
    assert opened is not None
    radio = next(b for b in opened.blocks if b.get("block_id") == PartnersBlock.PANEL_VIEW.value)
    assert radio["element"]["initial_option"]["value"] == "not_given"
    partners.driver.submit_view(
        DELEGATED_LEAD,
        {
            PartnersBlock.PANEL_VIEW.value: {"value": "disagrees"},
            PartnersBlock.PANEL_REASON.value: {"value": "The panel would have the local review."},
        },
        view_id=opened.id,
    )
    partners.wait()

    [view] = stored_views(partners)
    assert (view.view, view.recorded_by) == ("disagrees", DELEGATED_LEAD)
    shown = str(request_to(partners, LA).blocks)
    assert "disagrees: The panel would have the local review." in shown
    assert "*The national panel's view*: disagrees" in card(partners, case)
    assert [a.detail["view"] for a in audited(partners, "national_panel_view.recorded")] == [
        "not_given",
        "disagrees",
    ]


def test_a_disagreement_needs_its_reason_and_no_reason_may_name_the_child(partners) -> None:
    at_rapid_review(partners)

    without = body_json(panel_view(partners, LA, "disagrees"))
    naming = body_json(panel_view(partners, LA, "agrees", f"{CHILD_NAME} was known to health."))

    assert without["response_action"] == "errors"
    assert without["errors"] == {
        PartnersBlock.PANEL_REASON.value: "Please say why the national panel disagrees."
    }
    assert "name the child" in naming["errors"][PartnersBlock.PANEL_REASON.value]
    assert stored_views(partners) == []
    assert audited(partners, "national_panel_view.recorded") == []


def test_someone_without_the_role_cannot_record_the_view_and_is_recorded(partners) -> None:
    case = at_rapid_review(partners)
    opened = len(partners.standin.calls_to("views.open"))

    click(partners, "U0DPH", PartnersAction.OPEN_PANEL_VIEW, request_in_channel(partners, case))

    assert len(partners.standin.calls_to("views.open")) == opened, "no form for them"
    assert "Only the safeguarding partners' leads, their delegated lead" in said_to(
        partners, "U0DPH"
    )
    [refused] = audited(partners, "national_panel_view.refused")
    assert (refused.actor, refused.case_id) == ("U0DPH", case.id)

    click(partners, LA, PartnersAction.OPEN_PANEL_VIEW)
    form = partners.standin.open_view_for(LA)
    assert form is not None
    forged = tampered_submission(  # the lead's form, submitted as someone else
        partners, "U0DPH", form.id, {PartnersBlock.PANEL_VIEW.value: {"value": "agrees"}}
    )
    assert "Only the safeguarding partners' leads" in str(body_json(forged)["errors"])
    assert stored_views(partners) == []
