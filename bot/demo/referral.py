"""Scene one: a designated person refers a case."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.demo.story import Story
from bot.ids import INPUT_ACTION, ReferralBlock
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


def refer_a_case(story: Story) -> str:
    """Returns the new case's reference."""
    harness = story.harness
    with harness.runtime.db.session() as session:
        health = next(a.id for a in active_agencies(session) if a.name == "Health")
    values = {ReferralBlock.AGENCY: str(health), **DEMO_REFERRAL}
    with story.step(
        f"{story.name(REFERRER)} types `/scr refer`, fills in the referral and presses Refer"
    ):
        harness.driver.slash_command(REFERRER, "refer")
        harness.wait()
        response = harness.driver.submit_view(
            REFERRER, {b.value: {INPUT_ACTION: v} for b, v in values.items() if v != ""}
        )
        answer = json.loads(response.body or b"{}")
    story.say(f"  ➜ the modal now says: {answer.get('view', {}).get('title', {}).get('text')}")
    with harness.runtime.db.session() as session:
        reference = session.scalars(select(Case.reference).order_by(Case.id.desc())).first()
    assert reference is not None
    return reference
