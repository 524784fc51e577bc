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
    NO_FURTHER_ACTION = "no_further_action"
    # CSPR (Working Together 2023)
    NOTIFICATION = "notification"
    RAPID_REVIEW = "rapid_review"
    LOCAL_REVIEW = "local_review"
    NO_LOCAL_REVIEW = "no_local_review"


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
    PANEL_PAPERS_SENT = "panel_papers_sent"
    INITIAL_PANEL_OUTCOME = "initial_panel_outcome"
    CHAIR_DECISION = "chair_decision"
    TERMS_OF_REFERENCE = "terms_of_reference"
    IMR = "imr"
    OVERVIEW_REPORT = "overview_report"
    PROGRESS_RETURN = "progress_return"
    AUDIT_FINDINGS_SHARED = "audit_findings_shared"
    MANAGEMENT_REVIEW = "management_review"
    MR_FINDINGS_SHARED = "mr_findings_shared"
    # Who outside Slack hears the Board Chair's decision, on each path
    NOTIFY_BOARD = "notify_board"
    NOTIFY_SAFEGUARDING_EXECUTIVE = "notify_safeguarding_executive"
    NOTIFY_OFSTED = "notify_ofsted"
    NOTIFY_CHIEF_OFFICERS = "notify_chief_officers"
    AUDIT_NOTIFY_BOARD = "audit_notify_board"
    AUDIT_NOTIFY_SAFEGUARDING_EXECUTIVE = "audit_notify_safeguarding_executive"
    AUDIT_NOTIFY_OFSTED = "audit_notify_ofsted"
    AUDIT_NOTIFY_CHIEF_OFFICERS = "audit_notify_chief_officers"
    MR_NOTIFY_BOARD = "mr_notify_board"
    MR_NOTIFY_SAFEGUARDING_EXECUTIVE = "mr_notify_safeguarding_executive"
    MR_NOTIFY_OFSTED = "mr_notify_ofsted"
    MR_NOTIFY_CHIEF_OFFICERS = "mr_notify_chief_officers"
    NFA_NOTIFY_BOARD = "nfa_notify_board"
    NFA_NOTIFY_SAFEGUARDING_EXECUTIVE = "nfa_notify_safeguarding_executive"
    NFA_NOTIFY_OFSTED = "nfa_notify_ofsted"
    NFA_NOTIFY_CHIEF_OFFICERS = "nfa_notify_chief_officers"
    # The Board's steps after the overview report
    REPORT_ACCESS_DECIDED = "report_access_decided"
    REPORT_STAFF_DEBRIEFED = "report_staff_debriefed"
    REPORT_FAMILY_DEBRIEFED = "report_family_debriefed"
    REPORT_MEDIA_BRIEFED = "report_media_briefed"
    REPORT_SENT_TO_OFSTED = "report_sent_to_ofsted"
    REPORT_COPY_SENT = "report_copy_sent"
    # CSPR (Working Together 2023)
    NOTIFY_NATIONAL_PANEL = "notify_national_panel"
    RAPID_REVIEW_INFORMATION = "rapid_review_information"
    AGENCY_CONTRIBUTION = "agency_contribution"
    RAPID_REVIEW = "rapid_review"
    RAPID_REVIEW_MEETING = "rapid_review_meeting"
    RAPID_REVIEW_REPORT = "rapid_review_report"
    REVIEW_REPORT = "review_report"
    REVIEWER_APPOINTED = "reviewer_appointed"
    PRACTITIONERS_INVOLVED = "practitioners_involved"
    FINAL_REPORT_SENT = "final_report_sent"
    NO_LOCAL_REVIEW_SHARED = "no_local_review_shared"
