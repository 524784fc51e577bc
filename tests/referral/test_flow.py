"""`/scr refer` from slash command to private case channel, driven as Slack drives it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from bot.services.cases.audit import events_for
from bot.services.referral.schema import NOT_A_PARTNER
from storage.models import Agency, AgencyMember, AuditEvent, CaseMember, SentMessage, Task
from tests import dbutil
from tests.flow_helpers import (
    agency_id,
    all_calls_text,
    body_json,
    cases,
    open_referral_modal,
    refer,
    tampered_submission,
)
from tests.referral.data import IDENTIFYING, referral_values
from tests.sealed import read_json


@pytest.mark.postgres
def test_a_valid_referral_becomes_a_private_case_channel(harness) -> None:
    response = refer(harness)

    assert response.status == 200
    answer = body_json(response)
    assert answer["response_action"] == "update"
    assert "Referral received" in str(answer["view"])
    assert "reference and private channel follow" in str(answer["view"])
    [case] = cases(harness)
    assert case.reference == "SCR-2026-001"
    assert case.setup_status == "complete"

    standin = harness.standin
    [create] = standin.calls_to("conversations.create")
    assert create.args["name"] == "scr-2026-001"
    channel = standin.channel_by_name("scr-2026-001")
    assert channel is not None and channel.is_private
    assert case.channel_id == channel.id
    assert {"U0DPH", "U0CPU1", "U0CPU2", "U0ADMIN"} <= channel.members
    assert "U0DPP" not in channel.members

    [card] = [m for m in standin.messages_in(channel.id) if m.ts == case.card_ts]
    card_text = str(card.blocks)
    assert "SCR-2026-001" in card_text
    assert "Initial Panel" in card_text
    assert "by Thu 24 Dec (deadline Sun 27 Dec)" in card_text
    assert "death, abuse or neglect suspected" in card_text
    assert standin.pins[channel.id] == [case.card_ts]

    for person in ("U0CPU1", "U0CPU2", "U0DPH"):  # the referrer too: the reference, the link
        [dm] = standin.dms_to(person)
        assert "SCR-2026-001" in dm.text
        assert channel.id in str(dm.blocks)

    with harness.runtime.db.session() as session:
        actions = [e.action for e in events_for(session, case.id)]
    assert actions[0] == "case.referred"
    assert {
        "case.channel_created",
        "case.members_invited",
        "case.card_pinned",
        "case.setup_complete",
    } <= set(actions)


def test_no_child_identifying_value_reaches_slack_or_the_database_file(harness, database) -> None:
    refer(harness)
    text = all_calls_text(harness)
    for value in IDENTIFYING:
        assert value not in text
    with harness.runtime.db.session() as session:
        details = str([e.detail for e in session.scalars(select(AuditEvent))])
    for value in IDENTIFYING:
        assert value not in details
    raw = dbutil.sqlite_file_bytes(database)
    assert b"SCR-2026-001" in raw
    for value in IDENTIFYING:
        assert value.encode() not in raw
    [case] = cases(harness)
    assert read_json(harness.runtime, case.id, case.personal_data)["child_name"] == IDENTIFYING[0]


@pytest.mark.parametrize(
    ("overrides", "block", "message"),
    [
        ({"referral_date": "2026-11-28"}, "referral_date", "in the future"),
        ({"child_dob": "2027-01-01"}, "child_dob", "in the future"),
        ({"incident_date": "2019-01-01"}, "incident_date", "before the date of birth"),
        (
            {"incident_date": "2026-11-27", "referral_date": "2026-11-20"},
            "incident_date",
            "after the referral date",
        ),
        ({"child_dob": "0001-01-01"}, "child_dob", "under 18 at the incident"),
        ({"child_dob": "1900-01-01"}, "child_dob", "after 18 November 2008"),
        ({"child_dob": "2008-11-18"}, "child_dob", "under 18 at the incident"),
        (
            {
                "child_dob": "2026-11-26",
                "incident_date": "2026-11-26",
                "referral_date": "2026-11-25",
            },
            "referral_date",
            "before the date of birth",
        ),
        ({"child_name": None}, "child_name", "required"),
        ({"presenting_issues": None}, "presenting_issues", "required"),
        ({"criteria": []}, "criteria", "required"),
        ({"cp_plan": None}, "cp_plan", "required"),
        ({"child_name": "x" * 121}, "child_name", "under 120 characters"),
        ({"background": "y" * 3001}, "background", "under 3000 characters"),
    ],
)
def test_invalid_answers_come_back_inline_and_store_nothing(
    harness, overrides, block, message
) -> None:
    view_id = open_referral_modal(harness)
    values = referral_values(agency_id(harness, "Health"), **overrides)
    response = tampered_submission(harness, "U0DPH", view_id, values)
    answer = body_json(response)
    assert answer["response_action"] == "errors"
    assert block in answer["errors"]
    assert message in answer["errors"][block]
    assert cases(harness) == []
    assert harness.standin.calls_to("conversations.create") == []


def test_someone_outside_the_partnership_cannot_refer(harness) -> None:
    response = harness.driver.slash_command("U0OUTSIDER", "refer")
    harness.wait()
    assert "Only members of the safeguarding partnership" in response.body.decode()
    assert harness.standin.calls_to("views.open") == []


def test_an_agency_member_refers_only_for_their_own_agency(harness) -> None:
    view_id = open_referral_modal(harness)
    values = referral_values(agency_id(harness, "Police"))
    response = tampered_submission(harness, "U0DPH", view_id, values)
    answer = body_json(response)
    assert answer["errors"]["referring_agency"].startswith("You can refer on behalf of your own")
    assert cases(harness) == []


def test_the_submission_itself_is_checked_against_the_partnership(harness) -> None:
    """The modal was opened by a member; what is submitted is checked again, without trusting
    the form: by whom, for which agency, and whether that agency still takes part."""
    view_id = open_referral_modal(harness)
    health, police = agency_id(harness, "Health"), agency_id(harness, "Police")
    outsider = tampered_submission(harness, "U0OUTSIDER", view_id, referral_values(health))
    assert body_json(outsider)["errors"]["referring_agency"].startswith("Only members")
    with harness.runtime.db.session() as session:
        session.execute(update(Agency).where(Agency.id == police).values(active=False))
    by_the_cpu = tampered_submission(harness, "U0CPU1", view_id, referral_values(police))
    assert body_json(by_the_cpu)["errors"]["referring_agency"] == NOT_A_PARTNER
    with harness.runtime.db.session() as session:
        session.execute(update(Agency).where(Agency.id == health).values(active=False))
    # a designated person of an agency no longer in the partnership is no longer a member
    former = tampered_submission(harness, "U0DPH", view_id, referral_values(health))
    assert body_json(former)["errors"]["referring_agency"].startswith("Only members")
    assert cases(harness) == []


def test_a_designated_person_named_a_review_lead_first_still_notifies_by_referring(
    harness,
) -> None:
    """Someone with two roles in their agency keeps both: made its review lead before its
    designated person, their referral is still the agency's notification to the CPU."""
    health = agency_id(harness, "Health")
    with harness.runtime.db.session() as session:
        session.execute(delete(AgencyMember).where(AgencyMember.slack_user_id == "U0DPH"))
        session.add(AgencyMember(agency_id=health, slack_user_id="U0DPH", role="review_lead"))
        session.flush()
        session.add(AgencyMember(agency_id=health, slack_user_id="U0DPH", role="designated_person"))
    refer(harness)
    [case] = cases(harness)
    with harness.runtime.db.reading() as session:
        notified = session.execute(
            select(Task.status, Task.completed_by).where(
                Task.case_id == case.id, Task.kind == "dp_notified"
            )
        ).one()
    assert tuple(notified) == ("done", "U0DPH")


def test_the_cpu_may_refer_for_any_agency(harness) -> None:
    refer(harness, user="U0CPU1", agency="Police")
    [case] = cases(harness)
    with harness.runtime.db.session() as session:
        members = {
            m.slack_user_id: m.reason
            for m in session.scalars(select(CaseMember).where(CaseMember.case_id == case.id))
        }
    assert members["U0DPP"] == "designated_person"
    assert members["U0CPU1"] == "referrer"


def test_the_modal_offers_the_referrers_agency_and_today(harness) -> None:
    open_referral_modal(harness)
    [call] = harness.standin.calls_to("views.open")
    blocks = {b["block_id"]: b for b in call.args["view"]["blocks"] if "block_id" in b}
    agency = blocks["referring_agency"]["element"]
    assert [o["text"]["text"] for o in agency["options"]] == ["Health"]
    assert agency["initial_option"]["text"]["text"] == "Health"
    assert blocks["referral_date"]["element"]["initial_date"] == "2026-11-27"
    assert len(call.args["view"]["title"]["text"]) <= 24


def test_a_duplicate_delivery_creates_one_case(harness) -> None:
    refer(harness)
    again = harness.driver.redeliver()
    harness.wait()
    assert again.status == 200
    assert len(cases(harness)) == 1
    assert len(harness.standin.calls_to("conversations.create")) == 1
    with harness.runtime.db.session() as session:
        # the card, 2 CPU DMs, and Health's designated person (the referrer) and review
        # lead briefed
        assert len(session.scalars(select(SentMessage)).all()) == 5
