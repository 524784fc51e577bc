"""The names of a process's stages and task kinds, as enums.

Process definitions (`bot.process.bolton`, `bot.process.cspr`) are written with these, and
`check_definitions` at start-up refuses a definition naming a stage or kind outside them, so
that code comparing a task's kind or a case's stage can never be out of step with the data."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    # Bolton SCR
    REFERRAL = "referral"
    INITIAL_PANEL = "initial_panel"
    DECISION = "decision"
    REVIEW = "review"
    MONITORING = "monitoring"
    AUDIT = "audit"
    MANAGEMENT_REVIEWS = "management_reviews"
    # CSPR (Working Together 2023)
    NOTIFICATION = "notification"
    RAPID_REVIEW = "rapid_review"
    LOCAL_REVIEW = "local_review"


class TaskKind(StrEnum):
    # Bolton SCR
    SCHEDULE_INITIAL_PANEL = "schedule_initial_panel"
    DP_NOTIFIED = "dp_notified"
    RECORDS_SECURED = "records_secured"
    CHRONOLOGY_SUBMITTED = "chronology_submitted"
    SYNOPSIS_SUBMITTED = "synopsis_submitted"
    CPU_CP_PLAN_CHECKED = "cpu_cp_plan_checked"
    CPU_OTHER_CHILDREN_CONSIDERED = "cpu_other_children_considered"
    CPU_ORGANISATIONS_INFORMED = "cpu_organisations_informed"
    CPU_CHAIR_INFORMED = "cpu_chair_informed"
    INITIAL_PANEL_OUTCOME = "initial_panel_outcome"
    CHAIR_DECISION = "chair_decision"
    TERMS_OF_REFERENCE = "terms_of_reference"
    IMR = "imr"
    OVERVIEW_REPORT = "overview_report"
    PROGRESS_RETURN = "progress_return"
    AUDIT_FINDINGS_SHARED = "audit_findings_shared"
    MANAGEMENT_REVIEW = "management_review"
    MR_FINDINGS_SHARED = "mr_findings_shared"
    # CSPR (Working Together 2023)
    NOTIFY_NATIONAL_PANEL = "notify_national_panel"
    RAPID_REVIEW_INFORMATION = "rapid_review_information"
    AGENCY_CONTRIBUTION = "agency_contribution"
    RAPID_REVIEW = "rapid_review"
    REVIEW_REPORT = "review_report"
