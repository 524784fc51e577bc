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


TELEPHONE = "01632 960123"
FIRST_PART_BLOCKS = (
    ReferralBlock.AGENCY,
    ReferralBlock.REFERRAL_DATE,
    ReferralBlock.INCIDENT_DATE,
    ReferralBlock.CRITERIA,
    ReferralBlock.CP_PLAN,
    ReferralBlock.OTHER_CHILDREN,
)


def first_part_values(agency_id: int, **overrides: Any) -> dict[str, dict[str, Any]]:
    """The Slack part of a referral whose identifying details are entered on the web."""
    values = referral_values(agency_id, **overrides)
    return {block: answer for block, answer in values.items() if block in FIRST_PART_BLOCKS}


def details_form(**overrides: str) -> dict[str, str]:
    """The web form's fields, as a browser posts them (the family as rows)."""
    form = {
        "child_name": CHILD_NAME,
        "child_aka": CHILD_AKA,
        "child_dob": CHILD_DOB,
        "address": ADDRESS,
        "child_telephone": TELEPHONE,
        "family-0-name": "Rowena Quillfeather",
        "family-0-relationship": "Mother",
        "family-0-dob": "1994-07-02",
        "family-1-name": "Dale Smallwood",
        "family-1-relationship": "Stepfather",
        "family-1-address": "3 Tansy Row, Oldtown OT4 8ZZ",
        "family-2-name": "Ivy Smallwood",
        "family-2-relationship": "Sibling",
        "family-2-dob": "2022-05-01",
        "presenting_issues": PRESENTING,
        "background": "Known to health visiting since birth",
        "other_services": "Nursery, GP",
        "comments": "",
    }
    form.update(overrides)
    return form


WEB_IDENTIFYING = (*IDENTIFYING, TELEPHONE, "Rowena", "Tansy", "02.07.1994", "1994-07-02")
