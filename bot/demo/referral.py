"""Scene one: a designated person refers a case."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.demo.story import Story
from bot.demo.web import enter_details, link_in, signed_in
from bot.ids import INPUT_ACTION, Callback, ReferralBlock
from bot.process.registry import get_process
from bot.services.cases.access import active_agencies
from storage.models import Case

REFERRER = "U0DPH"

DEMO_REFERRAL = {
    ReferralBlock.REFERRAL_DATE: "2026-11-27",
    ReferralBlock.CHILD_NAME: "Demo Child",
    ReferralBlock.CHILD_AKA: "",
    ReferralBlock.CHILD_DOB: "2021-06-02",
    ReferralBlock.INCIDENT_DATE: "2026-11-20",
    ReferralBlock.ADDRESS: "1 Example Street, Exampletown",
    ReferralBlock.FAMILY: "Mother, partner, one sibling aged 2",
    ReferralBlock.PRESENTING_ISSUES: "Unexplained injuries; died in hospital",
    ReferralBlock.BACKGROUND: "Known to health visiting",
    ReferralBlock.OTHER_SERVICES: "GP, nursery",
    ReferralBlock.CRITERIA: ["death", "inter_agency"],
    ReferralBlock.CP_PLAN: "previously",
    ReferralBlock.OTHER_CHILDREN: "yes",
}

DEMO_DETAILS = {
    "child_name": "Demo Child",
    "child_aka": "",
    "child_dob": "2021-06-02",
    "address": "1 Example Street, Exampletown",
    "child_telephone": "01632 960999",
    "family-0-name": "Demo Parent",
    "family-0-relationship": "Mother",
    "family-0-dob": "1995-04-09",
    "family-1-name": "Demo Sibling",
    "family-1-relationship": "Sibling",
    "family-1-dob": "2024-08-15",
    "presenting_issues": "Unexplained injuries; died in hospital",
    "background": "Known to health visiting",
    "other_services": "GP, nursery",
    "comments": "",
}
"""The child's details as the referrer enters them on the case room's form."""

CHILD_VALUES = (
    *(str(DEMO_REFERRAL[b]) for b in (ReferralBlock.CHILD_NAME, ReferralBlock.ADDRESS)),
    *(str(DEMO_REFERRAL[b]) for b in (ReferralBlock.CHILD_DOB, ReferralBlock.FAMILY)),
    *(DEMO_DETAILS[k] for k in ("child_telephone", "family-0-name", "family-1-name")),
    *(DEMO_DETAILS[k] for k in ("family-0-dob", "family-1-dob")),
    "02.06.21",
    "02/06/2021",
    "Example Street",
)
"""What would identify the demo's child (or family) if it reached Slack."""


def refer_a_case(story: Story, referrer: str = REFERRER, process: str | None = None) -> str:
    """``referrer`` refers the demo's case (as a ``process`` case, picked in the modal, when
    given); returns the new case's reference."""
    harness = story.harness
    with harness.runtime.db.session() as session:
        health = next(a.id for a in active_agencies(session) if a.name == "Health")
    values = {ReferralBlock.AGENCY: str(health), **DEMO_REFERRAL}
    picks = ""
    if process is not None:
        values[ReferralBlock.PROCESS] = process
        picks = f", picks the {get_process(process).title},"
    with story.step(
        f"{story.name(referrer)} types `/scr refer`, fills in the referral{picks} and presses Refer"
    ):
        harness.driver.slash_command(referrer, "refer")
        harness.wait()
        opened = harness.standin.open_view_for(referrer)
        two_parts = opened is not None and opened.callback_id == Callback.REFERRAL_FIRST_PART
        shown = {block.get("block_id") for block in opened.blocks} if opened else set()
        response = harness.driver.submit_view(
            referrer,
            {b.value: {INPUT_ACTION: v} for b, v in values.items() if v != "" and b in shown},
        )
        answer = json.loads(response.body or b"{}")
    story.say(f"  ➜ the modal now says: {answer.get('view', {}).get('title', {}).get('text')}")
    if two_parts:
        with story.step(
            f"{story.name(referrer)} follows the modal's link, signs in to the case room"
            " with Slack and enters the child's details there"
        ):
            enter_details(signed_in(harness.flask, referrer), link_in(answer), DEMO_DETAILS)
    with harness.runtime.db.session() as session:
        reference = session.scalars(select(Case.reference).order_by(Case.id.desc())).first()
    assert reference is not None
    return reference
