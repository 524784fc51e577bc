"""Every callback, block and action id the bot uses, defined once."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    REFERRAL = "referral_submit"


class ReferralBlock(StrEnum):
    AGENCY = "referring_agency"
    REFERRAL_DATE = "referral_date"
    CHILD_NAME = "child_name"
    CHILD_AKA = "child_aka"
    CHILD_DOB = "child_dob"
    INCIDENT_DATE = "incident_date"
    ADDRESS = "address"
    FAMILY = "family_composition"
    PRESENTING_ISSUES = "presenting_issues"
    BACKGROUND = "background"
    OTHER_SERVICES = "other_services"
    COMMENTS = "comments"
    CRITERIA = "criteria"
    CP_PLAN = "cp_plan"
    OTHER_CHILDREN = "other_children_at_risk"


INPUT_ACTION = "value"
"""Each modal input block holds one element, always with this action id."""


class Action(StrEnum):
    OPEN_CHANNEL = "open_case_channel"
    MARK_DONE = "task_mark_done"
