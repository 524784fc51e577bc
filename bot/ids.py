"""Every callback, block and action id the bot uses, defined once."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    REFERRAL = "referral_submit"
    REFERRAL_FIRST_PART = "referral_first_part"
    """The referral modal without the identifying details (entered on the web)."""


class ReferralBlock(StrEnum):
    AGENCY = "referring_agency"
    PROCESS = "process"
    """The process the case follows (offered to the business unit only)."""
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
    REFERRER_TELEPHONE = "referrer_telephone"


INPUT_ACTION = "value"
"""Each modal input block holds one element, always with this action id."""


class Action(StrEnum):
    OPEN_CHANNEL = "open_case_channel"
    OPEN_DETAILS_FORM = "referral_details_form"
    """The link to the case room's form for a referral's identifying details."""
    MARK_DONE = "task_mark_done"
    SNOOZE = "task_snooze"
    NOT_NEEDED = "task_not_needed"
    HAND_OVER = "task_hand_over"
    """A reminder item's buttons beside its do-it button; each one's value is the task id."""


class ItemCallback(StrEnum):
    SNOOZE = "task_snooze_submit"
    NOT_NEEDED = "task_not_needed_submit"
    HAND_OVER = "task_hand_over_submit"


class ItemBlock(StrEnum):
    SNOOZE_UNTIL = "snooze_until"
    SNOOZE_REASON = "snooze_reason"
    NOT_NEEDED_REASON = "not_needed_reason"
    HAND_TO = "hand_to"


class PanelCallback(StrEnum):
    SCHEDULE = "panel_schedule"
    FIND = "panel_find"
    HELD = "panel_held"
    DECLARE = "panel_declare"
    EXCEPTION = "panel_exception"
    REVIEW_MEETING = "panel_review_meeting"
    RAPID_MEETING = "panel_rapid_meeting"


class PanelBlock(StrEnum):
    DATE = "panel_date"
    START = "panel_start"
    END = "panel_end"
    LOCATION = "panel_location"
    VIDEO = "panel_video"
    MEMBERS = "panel_members"
    CHAIR = "panel_chair"
    OVERRIDE = "panel_override"
    GO_AHEAD = "panel_go_ahead"
    DURATION = "panel_duration"
    SLOT_1_DATE = "panel_slot_1_date"
    SLOT_1_TIME = "panel_slot_1_time"
    SLOT_2_DATE = "panel_slot_2_date"
    SLOT_2_TIME = "panel_slot_2_time"
    SLOT_3_DATE = "panel_slot_3_date"
    SLOT_3_TIME = "panel_slot_3_time"
    SLOT_4_DATE = "panel_slot_4_date"
    SLOT_4_TIME = "panel_slot_4_time"
    SLOT_5_DATE = "panel_slot_5_date"
    SLOT_5_TIME = "panel_slot_5_time"
    ATTENDANCE = "panel_attendance"
    DECLARATION = "panel_declaration"
    EXCEPTION_MEMBER = "panel_exception_member"
    EXCEPTION_REASON = "panel_exception_reason"
    REVIEW_CHAIR = "panel_review_chair"
    REVIEW_MEMBERS = "panel_review_members"
    """On the held form: the review panel the Initial Panel names, should a review follow."""
    SLOT_ROW = "panel_slot_row"
    """Prefix of the block id of one proposed time in an availability DM."""


class PanelAction(StrEnum):
    OPEN_SCHEDULE = "panel_open_schedule"
    OPEN_FIND = "panel_open_find"
    OPEN_CHANGE = "panel_open_change"
    CANCEL = "panel_cancel"
    OPEN_HELD = "panel_open_held"
    ACCEPT = "panel_rsvp_accept"
    TENTATIVE = "panel_rsvp_tentative"
    DECLINE = "panel_rsvp_decline"
    NO_INVOLVEMENT = "panel_no_involvement"
    OPEN_DECLARE = "panel_open_declare"
    OPEN_EXCEPTION = "panel_open_exception"
    """The CPU's exception for a member who cannot confirm; the value is the meeting id."""
    SLOT_YES = "panel_slot_yes"
    SLOT_NO = "panel_slot_no"
    SLOT_CONFIRM = "panel_slot_confirm"
    SEND_PAPERS = "panel_send_papers"
    """Sends the integrated chronology to the panel; the value is the CPU's task id."""


class FirstMonthCallback(StrEnum):
    AGENCY_ADD = "agency_add_submit"
    AGENCY_REMOVE = "agency_remove_submit"
    TASK_FORM = "first_month_task_submit"
    CHRONOLOGY_ENTRIES = "chronology_entries_submit"
    CHRONOLOGY_COMPLETE = "chronology_complete_submit"
    SYNOPSIS = "synopsis_submit"


class FirstMonthBlock(StrEnum):
    AGENCY = "fm_agency"
    REASON = "fm_reason"
    WHEN_DATE = "fm_when_date"
    WHEN_TIME = "fm_when_time"
    BY_WHOM = "fm_by_whom"
    SYSTEMS = "fm_systems"
    NOTE = "fm_note"
    CP_PLAN = "fm_cp_plan"
    OTHER_CHILDREN = "fm_other_children"
    ORGANISATIONS = "fm_organisations"
    OTHER_ORGANISATIONS = "fm_other_organisations"
    HOW = "fm_how"
    CONCERN_FROM = "fm_concern_from"
    CONCERN_ON = "fm_concern_on"
    SYNOPSIS = "fm_synopsis"
    ENTRY_DATE = "chron_date"
    """Prefix: the block ids of the n-th entry of the chronology modal end in ``_<n>``."""
    ENTRY_WORKER = "chron_worker"
    ENTRY_EVENT = "chron_event"
    ENTRY_FLAGS = "chron_flags"
    BRIEFING_ITEM = "fm_briefing"
    """Prefix: a line of the designated person's DM is ``fm_briefing_<task kind>``."""


class FirstMonthAction(StrEnum):
    AGENCY_ADD = "fm_agency_add"
    AGENCY_REMOVE = "fm_agency_remove"
    TASK = "fm_task"
    """Opens the form of one task; the button's value is the task id."""
    DP_NOTIFIED = "fm_dp_notified"
    """From the case card: the clicker's own agency's task; the value is the case id."""
    RECORDS_SECURED = "fm_records_secured"
    CHRONOLOGY_ADD = "fm_chronology_add"
    CHRONOLOGY_COMPLETE = "fm_chronology_complete"
    SYNOPSIS = "fm_synopsis"
    CHRONOLOGY_EXPORT = "fm_chronology_export"
    CP_PLAN = "fm_cpu_cp_plan"
    """The CPU's checks on the case card; each button's value is the task id."""
    OTHER_CHILDREN = "fm_cpu_other_children"
    ORGANISATIONS = "fm_cpu_organisations"
    CHAIR_INFORMED = "fm_cpu_chair_informed"


class ChronologyFlag(StrEnum):
    CHILD_SEEN = "child_seen"
    WISHES_SOUGHT = "wishes_sought"


class MonitoringCallback(StrEnum):
    RECOMMENDATION = "recommendation_submit"
    PLAN_IMPORT = "action_plan_import_submit"
    CLOSE = "recommendation_close_submit"
    PROGRESS_RETURN = "progress_return_submit"
    OWNER_LEFT = "owner_left_submit"
    INTERVAL = "returns_interval_submit"


class MonitoringBlock(StrEnum):
    NUMBER = "rec_number"
    AGENCY = "rec_agency"
    ACTION = "rec_action"
    OWNER = "rec_owner"
    TARGET_DATE = "rec_target_date"
    OUTCOME = "rec_expected_outcome"
    SOURCE = "rec_source"
    PLAN_FILE = "plan_file"
    CLOSE_NOTE = "rec_close_note"
    PROGRESS = "return_progress"
    STATUS = "return_status"
    REASON = "return_reason"
    EVIDENCE = "return_evidence"
    AS_OF = "return_date"
    LEFT_USER = "owner_left_user"
    INTERVAL = "returns_interval"
    """The months between progress returns (also on the overview report's acceptance)."""


class MonitoringAction(StrEnum):
    ADD = "plan_add"
    IMPORT = "plan_import"
    MANAGE = "plan_manage"
    """An overflow menu on a recommendation; each option's value is ``<verb>:<id>``."""
    SEND_RETURN = "progress_return_open"
    """Opens the progress return form; the button's value is the return task's id."""
    SIGN_OFF = "case_sign_off"
    """The button's value is the case id."""
    ADD_CARRIED = "plan_add_carried"
    """Opens the recommendation form filled in from the next management review recommendation
    not yet in the plan; the button's value is the case id."""


class DecisionCallback(StrEnum):
    RECOMMENDATION = "decision_recommendation"
    REASON = "decision_reason"
    NOTICE = "decision_notice"
    DIRECTED = "decision_directed"


class DecisionBlock(StrEnum):
    CRITERIA_MET = "criteria_met"
    CRITERIA = "criteria"
    RATIONALE = "rationale"
    REASON = "reason"
    NOTIFIED_ON = "notified_on"
    DIRECTED_BY = "directed_by"
    DIRECTED_ON = "directed_on"
    NOTIFIED_BY = "notified_by"
    BUTTONS = "decision_buttons"


class DecisionAction(StrEnum):
    APPROVE = "decision_approve"
    AUDIT = "decision_audit"
    MANAGEMENT_REVIEWS = "decision_management_reviews"
    NO_FURTHER_ACTION = "decision_no_further_action"
    """The decision buttons; each one's value is the case id."""
    OPEN_RECOMMENDATION = "decision_open_recommendation"
    RECORD_NOTICE = "decision_record_notice"
    """Value ``<case id>:<audience>``."""


class PartnersCallback(StrEnum):
    PANEL_VIEW = "partners_panel_view"


class PartnersBlock(StrEnum):
    PANEL_VIEW = "national_panel_view"
    PANEL_REASON = "national_panel_reason"
    BUTTONS = "partners_buttons"


class PartnersAction(StrEnum):
    HOLD = "partners_hold_local_review"
    NO_REVIEW = "partners_no_local_review"
    """A partner's lead confirms the safeguarding partners' decision; the value is the case id."""
    OPEN_PANEL_VIEW = "partners_open_panel_view"
    """Opens the national panel's view; the value is the case id."""
    OPEN_DECISION = "partners_open_decision"
    """From a reminder or App Home: the request with its buttons; the value is the task id."""


class ReviewCallback(StrEnum):
    PANEL_CHAIR = "review_panel_chair"
    TERMS = "review_terms"
    EXTENSION = "review_extension"
    IMR_REQUEST = "review_imr_request"
    IMR_SUBMIT = "review_imr_submit"
    IMR_RETURN = "review_imr_return"
    INTERVIEW = "review_interview"
    INTERVIEW_OUTCOME = "review_interview_outcome"
    INTERVIEW_MOVE = "review_interview_move"
    DRAFT_READY = "review_draft_ready"
    NOT_REPRESENTED = "review_not_represented"
    REPORT_ACCEPTED = "review_report_accepted"
    FINDINGS = "review_findings"
    REPORT_STEP = "review_report_step"
    REVIEWER = "review_reviewer"
    PLANNED_DATE = "review_planned_date"


class ReviewBlock(StrEnum):
    PANEL_CHAIR = "panel_chair_user"
    KEY_ISSUES = "key_issues"
    PERIOD_FROM = "period_from"
    PERIOD_TO = "period_to"
    AGENCIES = "agency_ids"
    OTHERS = "others"
    FAMILY = "family_involvement"
    PROCEEDINGS = "proceedings"
    LIAISON = "liaison"
    MEDIA = "media"
    EXPERT = "independent_expert"
    OTHER_AREAS = "other_areas"
    LIAISON_LEAD = "liaison_lead"
    FAMILY_HISTORY = "family_history"
    REVIEW_START = "start_date"
    STEP_DONE_ON = "step_done_on"
    STEP_DONE_BY = "step_done_by"
    STEP_NOTE = "step_note"
    COMPLETION = "completion_date"
    AGREED_ON = "agreed_on"
    NEW_COMPLETION = "new_completion"
    EXTENSION_REASON = "extension_reason"
    AGENCY = "agency_id"
    AUTHOR = "author"
    DUE = "due_on"
    AGENCY_DETAILS = "agency_details"
    AUTHOR_ROLE = "author_role"
    """The author's role and independence (a section of the management review)."""
    INDEPENDENT = "independent"
    TERMS_ADDRESSED = "terms_addressed"
    CHRONOLOGY = "chronology"
    ANALYSIS = "analysis"
    LEARNING = "learning"
    GOOD_PRACTICE = "good_practice"
    DOCUMENT = "document"
    REC_ACTION = "rec_action"
    """Prefix: the n-th recommendation's inputs have block ids ending in ``_<n>``."""
    REC_BY_WHOM = "rec_by_whom"
    REC_BY_WHEN = "rec_by_when"
    REC_OUTCOME = "rec_outcome"
    REC_REVIEW = "rec_review"
    COMMENTS = "comments"
    NEW_DUE = "new_due"
    INTERVIEWEE = "interviewee"
    INTERVIEWEE_ROLE = "interviewee_role"
    INTERVIEW_DATE = "interview_date"
    START = "start_time"
    END = "end_time"
    LOCATION = "location"
    MATTERS = "matters"
    MATTERS_COVERED = "matters_covered"
    SUPPORTER = "supporter"
    BRIEFED = "briefed"
    STAFF_CARE = "staff_care"
    SHARED_ON = "shared_on"
    AGREED = "agreed"
    DISAGREEMENT = "disagreement"
    NOT_REPRESENTED = "not_represented"
    ACCEPTED_ON = "accepted_on"
    FINDINGS = "findings_summary"
    REVIEW_BUTTONS = "review_buttons"
    REVIEWER_NAME = "reviewer_name"
    REVIEWER_ORGANISATION = "reviewer_organisation"
    PLANNED_DATE = "planned_date"


class ReviewAction(StrEnum):
    OPEN_PANEL_CHAIR = "review_open_panel_chair"
    CHAIR_NO_INVOLVEMENT = "review_chair_no_involvement"
    CHAIR_INVOLVED = "review_chair_involved"
    """Value: the appointment id."""
    PANEL_NO_INVOLVEMENT = "review_panel_no_involvement"
    PANEL_INVOLVED = "review_panel_involved"
    """A review panel member's answer on previous involvement; value: their row's id."""
    OPEN_TERMS = "review_open_terms"
    OPEN_EXTENSION = "review_open_extension"
    OPEN_IMR_REQUEST = "review_open_imr_request"
    OPEN_IMR_SUBMIT = "review_open_imr_submit"
    """Value: the management review's id."""
    IMR_ADD_RECOMMENDATION = "review_imr_add_recommendation"
    VIEW_IMR = "review_view_imr"
    IMR_ACCEPT = "review_imr_accept"
    OPEN_IMR_RETURN = "review_open_imr_return"
    OPEN_INTERVIEW = "review_open_interview"
    OPEN_INTERVIEW_OUTCOME = "review_open_interview_outcome"
    OPEN_INTERVIEW_MOVE = "review_open_interview_move"
    INTERVIEW_CANCEL = "review_interview_cancel"
    """Value: the interview's id."""
    OPEN_DRAFT_READY = "review_open_draft_ready"
    CONFIRM_REPRESENTED = "review_confirm_represented"
    OPEN_NOT_REPRESENTED = "review_open_not_represented"
    """Value ``<draft id>:<agency id>``."""
    OPEN_REPORT_ACCEPTED = "review_open_report_accepted"
    MAKE_SKELETON = "review_make_skeleton"
    """Makes the overview report's skeleton; the value is the case id."""
    OPEN_FINDINGS = "review_open_findings"
    OPEN_REPORT_STEP = "review_open_report_step"
    """Opens the record of one of the Board's steps after the report; the value is its task id."""
    TASK_FORM = "review_task_form"
    OPEN_REVIEWER = "review_open_reviewer"
    """Opens the form naming a local review's reviewer; the value is its task id."""
    OPEN_PLANNED_DATE = "review_open_planned_date"
    """Opens the form setting the date a review is to be published by; the value is the case
    id."""
    PUBLISHED = "review_published"
    """Records the review published; the value is its task id."""
    """Opens the form that completes one of the decision's or the review's tasks; the value
    is the task id."""


TASK_FORMS: dict[str, str] = {"progress_return": MonitoringAction.SEND_RETURN.value}
"""Tasks completed through a form of their own, by kind: the action id of the button that
opens it (the button's value is the task id). Reminders and task lists show that button,
saying what the click does (`bot.views.reminders.TASK_BUTTONS`, else the task's title),
instead of "Mark done"."""

REVIEW_TASK_KINDS = (
    "initial_panel_outcome",
    "terms_of_reference",
    "imr",
    "management_review",
    "overview_report",
    "audit_findings_shared",
    "mr_findings_shared",
    *(
        f"{path}notify_{audience}"
        for path in ("", "audit_", "mr_", "nfa_")
        for audience in ("board", "safeguarding_executive", "ofsted", "chief_officers")
    ),
)
TASK_FORMS.update({kind: ReviewAction.TASK_FORM.value for kind in REVIEW_TASK_KINDS})

FIRST_MONTH_TASK_KINDS = (
    "cpu_cp_plan_checked",
    "cpu_other_children_considered",
    "cpu_organisations_informed",
    "cpu_chair_informed",
    "chronology_submitted",
    "synopsis_submitted",
    "records_secured",
)
"""Completed through the first month's forms; FirstMonthAction.TASK opens the right one.
`dp_notified` has a form too (when, by whom, a note), but "Mark done" from a reminder is
enough to record it: now, by the person who clicked."""

TASK_FORMS.update({kind: FirstMonthAction.TASK.value for kind in FIRST_MONTH_TASK_KINDS})

TASK_FORMS["schedule_initial_panel"] = PanelAction.OPEN_SCHEDULE.value
TASK_FORMS["rapid_review"] = PartnersAction.OPEN_DECISION.value
TASK_FORMS["panel_papers_sent"] = PanelAction.SEND_PAPERS.value

REPORT_STEP_KINDS = (
    "report_access_decided",
    "report_staff_debriefed",
    "report_family_debriefed",
    "report_media_briefed",
    "report_sent_to_ofsted",
    "report_copy_sent",
)
"""The Board's steps after the overview report, each recorded through its own short form."""
TASK_FORMS.update({kind: ReviewAction.OPEN_REPORT_STEP.value for kind in REPORT_STEP_KINDS})
TASK_FORMS["reviewer_appointed"] = ReviewAction.OPEN_REVIEWER.value
TASK_FORMS["review_report"] = ReviewAction.PUBLISHED.value


class NationalPanelCallback(StrEnum):
    NOTIFICATION = "national_panel_notification"
    REPORT_SENT = "national_panel_report_sent"


class NationalPanelBlock(StrEnum):
    NOTIFIED_ON = "np_notified_on"
    REFERENCE = "np_reference"
    REPORT_SENT_ON = "np_report_sent_on"


class NationalPanelAction(StrEnum):
    OPEN_NOTIFICATION = "national_panel_open_notification"
    """Opens the record of the serious incident notification; the value is the task id."""
    OPEN_REPORT_SENT = "national_panel_open_report_sent"
    """Opens the record of the rapid review report sent; the value is the task id."""


TASK_FORMS["notify_national_panel"] = NationalPanelAction.OPEN_NOTIFICATION.value
TASK_FORMS["rapid_review_report"] = NationalPanelAction.OPEN_REPORT_SENT.value


class ReminderBlock(StrEnum):
    TODAY_ITEM = "today_item"
    """Prefix of the block holding an item's buttons in a message of the day."""


class Job(StrEnum):
    """The kinds of queued job (the outbox), each run by the function the job registry
    (`bot.jobs.outbox`) names for it: the Slack work a transaction decided, and the opening
    of a received referral's case."""

    CASE_OPEN = "case_open"
    CASE_SETUP = "case_setup"
    CASE_CARD = "case_card"
    DECISION_SHOWN = "decision_shown"
    DECISION_REQUESTED = "decision_requested"
    DECISION_NOTICE = "decision_notice"
    PARTNERS_SHOWN = "partners_shown"
    PANEL_INVITATIONS = "panel_invitations"
    PANEL_HELD = "panel_held"
    CHAIR_APPOINTED = "chair_appointed"
    TERMS_POSTED = "terms_posted"
    CHRONOLOGY_RECORDED = "chronology_recorded"
    DRAFT_SENT = "draft_sent"
    DRAFT_ACCEPTED = "draft_accepted"
    IMR_AUTHOR_ASKED = "imr_author_asked"
    IMR_SUBMITTED = "imr_submitted"
    IMR_CHAIR_ANSWERED = "imr_chair_answered"
    SIGN_OFF_FINISHED = "sign_off_finished"
