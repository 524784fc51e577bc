"""A process per case: the partnership file names the default, the business unit may pick
another when it refers a case, and the case card, App Home and the morning's reminders
speak the chosen process's words; the safeguarding partners' leads get the partners' tasks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.ids import INPUT_ACTION, Callback, ReferralBlock
from bot.jobs.worker import tick
from bot.partnership_config import PartnershipConfigError
from bot.process.cspr import CSPR_2023
from bot.services.cases.access import Role, roles_of, users_with_role
from bot.services.referral.schema import ProcessChoice
from bot.services.reminders.owners import role_holders
from bot.testing.harness import Harness, start_harness
from bot.views.referral import process_choice
from tests.flow_helpers import agency_id, body_json, cases, open_referral_modal
from tests.portal.helpers import start_portal
from tests.portal.test_referral_details import link_in, send_details, signed_in
from tests.process.helpers import (
    DELEGATED_LEAD,
    PARTNER_LEADS,
    card_text,
    home_text,
    modal_blocks,
    partnership,
    refer_with,
)
from tests.referral.data import first_part_values, referral_values
from tests.reminders.reminder_helpers import DMLog, complete, london, task_of


@pytest.fixture
def partners(standin, database, clock) -> Iterator[Harness]:
    """The seed partnership with the three partners' leads and a delegated lead named."""
    h = start_harness(standin, database, clock, partnership=partnership(leads=True))
    yield h
    h.close()


@pytest.fixture
def cspr_board(standin, database, clock) -> Iterator[Harness]:
    """A partnership whose cases follow a CSPR unless the business unit picks otherwise."""
    h = start_harness(standin, database, clock, partnership=partnership(default="cspr"))
    yield h
    h.close()


def test_the_partnership_file_names_the_default_process() -> None:
    assert partnership().process.default == "bolton-scr"
    assert partnership(default="cspr").process.default == "cspr"
    with pytest.raises(PartnershipConfigError) as refused:
        partnership(default="scr-1999")
    message = str(refused.value)
    assert "key process.default" in message
    assert "'scr-1999'" in message
    assert "'bolton-scr', 'cspr'" in message, "the known processes are named"


def test_a_case_follows_the_partnerships_default_process(cspr_board) -> None:
    case = refer_with(cspr_board, "U0DPH", None)
    assert (case.process_key, case.stage) == ("cspr", "notification")
    card = card_text(cspr_board, case.id)
    assert "Serious incident notification" in card
    assert "Notify the national panel" in card
    assert "Initial Panel" not in card


@pytest.mark.postgres
def test_the_business_unit_picks_a_cspr_and_the_card_shows_its_first_stage(harness) -> None:
    view_id = open_referral_modal(harness, "U0ADMIN")
    choice = modal_blocks(harness, view_id)[ReferralBlock.PROCESS.value]
    options = [o["value"] for o in choice["element"]["options"]]
    assert options == ["bolton-scr", "cspr"], "the partnership's default first"
    assert choice["element"]["initial_option"]["value"] == "bolton-scr"
    harness.driver.submit_view(
        "U0ADMIN",
        referral_values(agency_id(harness, "Health"), process="cspr"),
        view_id=view_id,
    )
    harness.wait()

    [case] = cases(harness)
    assert (case.process_key, case.stage) == ("cspr", "notification")
    card = card_text(harness, case.id)
    assert "Serious incident notification" in card
    assert "Notify the national panel" in card
    assert "Secure all relevant records" in card or "records secured" in card
    assert "Initial Panel" not in card and "child protection plan" not in card
    assert "Confirm records secured" in card
    assert "Confirm CPU notified" not in card, "a practice review asks for no CPU notification"
    assert "Notify the national panel" in home_text(harness, "U0ADMIN")


def test_someone_else_sees_no_choice_and_their_case_follows_the_default(harness) -> None:
    view_id = open_referral_modal(harness, "U0DPH")
    assert ReferralBlock.PROCESS.value not in modal_blocks(harness, view_id)
    forged = process_choice([ProcessChoice("bolton-scr", "SCR"), ProcessChoice("cspr", "C")])
    harness.standin.views[view_id].blocks.append(forged[0].to_dict())  # as if it were there
    response = harness.driver.submit_view(
        "U0DPH",
        referral_values(agency_id(harness, "Health"), process="cspr"),
        view_id=view_id,
    )
    harness.wait()
    assert "business unit" in str(body_json(response).get("errors")), "a forged choice refused"
    assert cases(harness) == []

    case = refer_with(harness, "U0DPH", None)
    assert (case.process_key, case.stage) == ("bolton-scr", "referral")
    assert "Initial Panel" in card_text(harness, case.id)


def test_the_partnership_files_partner_leads_hold_the_partners_roles(partners) -> None:
    with partners.runtime.db.session() as session:
        assert users_with_role(session, Role.POLICE_LEAD) == [PARTNER_LEADS["police"]]
        assert Role.LOCAL_AUTHORITY_LEAD in roles_of(session, PARTNER_LEADS["local_authority"])
        assert role_holders(session, 0, "partner_leads") == list(PARTNER_LEADS.values())
        assert role_holders(session, 0, "delegated_lead") == [DELEGATED_LEAD]


def test_without_partner_leads_the_partners_tasks_go_to_the_delegated_lead_or_the_chair(
    harness,
) -> None:
    with harness.runtime.db.session() as session:
        assert role_holders(session, 0, "partner_leads") == ["U0CHAIR"]
        assert role_holders(session, 0, "delegated_lead") == ["U0CHAIR"]


@pytest.mark.postgres
def test_the_partner_leads_get_the_rapid_review_in_app_home_and_the_morning_message(
    partners,
) -> None:
    case = refer_with(partners, "U0ADMIN", "cspr")
    complete(partners, case.id, "notify_national_panel")
    rapid = task_of(partners, case.id, "rapid_review")
    assert rapid.owner_role == "partner_leads"
    title = CSPR_2023.task("rapid_review").title
    assert [c.stage for c in cases(partners)] == ["rapid_review"]

    for lead in PARTNER_LEADS.values():
        assert title in home_text(partners, lead), f"{lead} sees the rapid review"
    assert title not in home_text(partners, "U0DPP"), "Police's designated person does not"

    log = DMLog(partners)
    partners.clock.set(london(2026, 12, 17, 9))  # the day before its deadline
    tick(partners.runtime)
    log.collect()
    for lead in PARTNER_LEADS.values():
        assert log.to(lead, title), f"{lead} is reminded of the rapid review"
    assert not log.to("U0DPP", title)


@pytest.fixture
def portal(standin, database, clock) -> Iterator[Harness]:
    h = start_portal(standin, database, clock)
    yield h
    h.close()


@pytest.mark.postgres
def test_the_business_units_choice_holds_for_a_referral_completed_on_the_web(portal) -> None:
    view_id = open_referral_modal(portal, "U0ADMIN")
    assert portal.standin.views[view_id].callback_id == Callback.REFERRAL_FIRST_PART.value
    assert ReferralBlock.PROCESS.value in modal_blocks(portal, view_id)
    values = first_part_values(agency_id(portal, "Health"))
    values[ReferralBlock.PROCESS.value] = {INPUT_ACTION: "cspr"}
    response = portal.driver.submit_view("U0ADMIN", values, view_id=view_id)
    portal.wait()
    link = link_in(str(body_json(response)["view"]))
    assert cases(portal) == []

    sent = send_details(signed_in(portal, "U0ADMIN"), link)
    portal.wait()
    assert sent.status_code == 200, sent.text
    [case] = cases(portal)
    assert (case.process_key, case.stage) == ("cspr", "notification")
    assert "Serious incident notification" in card_text(portal, case.id)


def test_help_names_the_partnerships_process_first(cspr_board) -> None:
    text = body_json(cspr_board.driver.slash_command("U0DPH", "help"))["text"]
    assert "A case follows the Child Safeguarding Practice Review (Working Together 2023)." in (
        text
    )
    assert "pick another when it refers one: Serious Case Review (Bolton framework)." in text
