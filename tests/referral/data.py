"""A referral as a person would fill it in, in the shape SlackDriver.submit_view takes."""

from __future__ import annotations

from typing import Any

from bot.ids import INPUT_ACTION, ReferralBlock

CHILD_NAME = "Jamie Quillfeather"
CHILD_AKA = "JQ Smallwood"
CHILD_DOB = "2019-03-14"
ADDRESS = "14 Larkspur Gardens, Oldtown OT4 9ZZ"
FAMILY = "Mother Rowena Quillfeather; stepfather Dale Smallwood; sibling Ivy (4)"
PRESENTING = "Admitted to hospital with unexplained head injury; died 20 Nov"
IDENTIFYING = (
    CHILD_NAME,
    CHILD_AKA,
    CHILD_DOB,
    "14.03.19",
    ADDRESS,
    "Larkspur",
    FAMILY,
    "Quillfeather",
    "Smallwood",
    PRESENTING,
)


def referral_values(agency_id: int, **overrides: Any) -> dict[str, dict[str, Any]]:
    values: dict[str, Any] = {
        ReferralBlock.AGENCY: str(agency_id),
        ReferralBlock.REFERRAL_DATE: "2026-11-27",
        ReferralBlock.CHILD_NAME: CHILD_NAME,
        ReferralBlock.CHILD_AKA: CHILD_AKA,
        ReferralBlock.CHILD_DOB: CHILD_DOB,
        ReferralBlock.INCIDENT_DATE: "2026-11-18",
        ReferralBlock.ADDRESS: ADDRESS,
        ReferralBlock.FAMILY: FAMILY,
        ReferralBlock.PRESENTING_ISSUES: PRESENTING,
        ReferralBlock.BACKGROUND: "Known to health visiting since birth",
        ReferralBlock.OTHER_SERVICES: "Nursery, GP",
        ReferralBlock.COMMENTS: "",
        ReferralBlock.CRITERIA: ["death", "inter_agency"],
        ReferralBlock.CP_PLAN: "previously",
        ReferralBlock.OTHER_CHILDREN: "yes",
    }
    for key, value in overrides.items():
        values[ReferralBlock(key)] = value
    return {
        block.value: {INPUT_ACTION: value} for block, value in values.items() if value is not None
    }


_FIRST, _SURNAME = CHILD_NAME.split()
_YEAR, _MONTH, _DAY = CHILD_DOB.split("-")
NAMED_INLINE = (
    f"the {_SURNAME.lower()} family was not at home",
    f"seen at {_FIRST}'s nursery",
    f"born {_DAY}.{_MONTH}.{_YEAR[2:]}",
    f"letter sent to {ADDRESS.split()[-2]}{ADDRESS.split()[-1]}",
)
"""How a worker might name the child inside a sentence: the surname in lower case, a
possessive, the date of birth as dd.mm.yy, the postcode without its space."""
