"""The Bolton Serious Case Review framework (DESIGN.md section 1) as a process definition.

Where the framework says "promptly" or "within the agreed timescale", the numbers below
are the Board's defaults: CPU actions within 1-2 working days, terms of reference within
10 working days and management reviews within 2 months of the decision, leaving the
panel chair time to finish the overview report inside the framework's four months.

When the Board Chair decides the criteria are not met, the case leaves the main line for a
side stage (a smaller-scale audit, or individual management reviews only) that ends when
the findings are shared with the panel, or (no further action) closes once the decision has
been shared. A child's death where abuse or neglect is known or suspected always leads to a
review: the "not met" options are not offered for it (`ALWAYS_REVIEWED`).

When a stage ends, its open tasks end with it (superseded), except what the next stage still
needs: the records, chronologies and synopses are prepared *for* the initial panel, so they
carry into its stage and end once the panel has met. Confirming that a designated person
was told is a first-days check that the CPU's actions and a convened panel overtake.
"""

from __future__ import annotations

from bot.process.action_plan import PROGRESS_RETURN_REMINDERS as PROGRESS_RETURN_REMINDERS
from bot.process.action_plan import SIGNED_OFF, monitoring_stage
from bot.process.deadlines import CalendarDays, CalendarMonths, WorkingDays
from bot.process.definition import (
    AGENCY_ADDED,
    ActionPlan,
    AllTasksDone,
    CompletionLimit,
    DueBefore,
    EventRecorded,
    ProcessDefinition,
    Route,
    StageDefinition,
    TaskDefinition,
)
from bot.process.policy import DEFAULT_REMINDERS, PROMPT_REMINDERS, ReminderPolicy
from bot.process.states import Stage, TaskKind

_TO_ADMINS = DEFAULT_REMINDERS.escalating_to("admins")
_TO_CHAIR = DEFAULT_REMINDERS.escalating_to("board_chair")
_TO_PANEL_CHAIR = DEFAULT_REMINDERS.escalating_to("panel_chair")

INITIAL_PANEL_REMINDERS = ReminderPolicy(
    start_after=CalendarDays(3),
    escalate_to=("board_chair",),
    escalate_from=WorkingDays(10),
)
"""A first nudge on day 3 (diaries fill up), the Chair told from 10 working days before the
one-month limit; otherwise as usual: 7 and 1 working days before, the last working day,
then overdue."""

AFTER_THE_EVENT_REMINDERS = ReminderPolicy(before=(), escalate_to=("admins",))
"""For records of a meeting: nothing before it, a nudge on the day it falls due."""

PAPERS_BEFORE_PANEL = DueBefore("panel_date", WorkingDays(5))
"""The agencies' chronologies "to be available to the Initial Panel": once the panel is
booked, each agency's chronology and synopsis, and the integrated chronology for the panel's
members, fall due 5 working days before it (the partnership file's `[panel]
papers_days_before` changes the number), moving with it; until then, one month after the
referral. The framework gives no number: five working days is time to read them."""


ALWAYS_REVIEWED = frozenset({"death"})
"""Referral criteria that always lead to a Serious Case Review: "where a child dies and
abuse or neglect is known or suspected to be a factor in the death, the Board should always
conduct a review". For such a case the Chair is offered no "not met" option."""

REVIEW_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("cp_plan", "Was the child, or a sibling, subject of a child protection plan?"),
    ("inter_agency", "Does the case give rise to concerns about how agencies worked together?"),
    ("procedures", "Were local procedures or protocols not followed, or found wanting?"),
    ("lessons", "Are there lessons to learn about safeguarding children in the area?"),
    ("other_areas", "Were agencies of other areas or Boards involved with the family?"),
    ("parallel", "Are there parallel proceedings (criminal, coroner) to take into account?"),
)
"""The framework's questions that help the Initial Panel decide whether a case should be
reviewed, asked with its recommendation (each answered yes, no or not known, with a note)
and sent with it to the Board Chair. Keys are stored; the wording may be refined."""

REVIEW_ANSWERS: dict[str, str] = {"yes": "Yes", "no": "No", "unknown": "Not known"}


def _cpu_task(kind: TaskKind, title: str, days: int) -> TaskDefinition:
    return TaskDefinition(
        kind=kind,
        title=title,
        owner="cpu",
        deadline=WorkingDays(days),
        anchor="referral",
        reminders=PROMPT_REMINDERS.escalating_to("admins"),
    )


def _notification(kind: TaskKind, title: str) -> TaskDefinition:
    return TaskDefinition(
        kind=kind,
        title=title,
        owner="admins",
        deadline=WorkingDays(1),
        anchor="decision",
        reminders=PROMPT_REMINDERS.escalating_to("board_chair"),
    )


DECISION_AUDIENCES = {
    "board": "Share the decision with the Board",
    "safeguarding_executive": "Share the decision with the Safeguarding Executive",
    "ofsted": "Notify OFSTED of the decision",
    "chief_officers": "Share the decision with chief officers",
}
"""Who outside Slack hears the Chair's decision, whatever it is: a business-unit task each."""


def _notifications(prefix: str = "") -> tuple[TaskDefinition, ...]:
    return tuple(
        _notification(TaskKind(f"{prefix}notify_{audience}"), title)
        for audience, title in DECISION_AUDIENCES.items()
    )


def notification_kind(audience: str, stage_key: str) -> TaskKind:
    """The task kind recording that ``audience`` was told, on the path of ``stage_key``."""
    return TaskKind(f"{SIDE_PREFIXES.get(stage_key, '')}notify_{audience}")


REFERRAL = StageDefinition(
    key=Stage.REFERRAL,
    title="Referral and CPU actions",
    card_title="Initial Panel stage",
    tasks=(
        _cpu_task(TaskKind.CPU_CP_PLAN_CHECKED, "Check for a child protection plan", 1),
        TaskDefinition(
            kind=TaskKind.CPU_OTHER_CHILDREN_CONSIDERED,
            title="Consider other children at risk",
            owner="designated_persons",
            deadline=WorkingDays(1),
            anchor="referral",
            reminders=PROMPT_REMINDERS.escalating_to("cpu"),
            per="referring_agency",
        ),
        _cpu_task(TaskKind.CPU_ORGANISATIONS_INFORMED, "Inform the other organisations", 2),
        _cpu_task(TaskKind.CPU_CHAIR_INFORMED, "Inform the Board Chair", 2),
        TaskDefinition(
            kind=TaskKind.SCHEDULE_INITIAL_PANEL,
            title="Schedule the initial panel",
            owner="cpu",
            deadline=CalendarMonths(1),
            anchor="referral",
            reminders=INITIAL_PANEL_REMINDERS,
            records_event="panel_date",
        ),
        TaskDefinition(
            kind=TaskKind.DP_NOTIFIED,
            title="Confirm the CPU has been notified",
            owner="designated_persons",
            deadline=WorkingDays(1),
            anchor=AGENCY_ADDED,
            reminders=PROMPT_REMINDERS,
            per="agency",
        ),
        TaskDefinition(
            kind=TaskKind.RECORDS_SECURED,
            title="Secure all relevant records",
            owner="designated_persons",
            deadline=WorkingDays(2),
            anchor=AGENCY_ADDED,
            reminders=PROMPT_REMINDERS,
            per="agency",
            carries_into=(Stage.INITIAL_PANEL,),
        ),
        TaskDefinition(
            kind=TaskKind.CHRONOLOGY_SUBMITTED,
            title="Submit the chronology",
            owner="review_leads",
            deadline=CalendarMonths(1),
            anchor="referral",
            reminders=DEFAULT_REMINDERS,
            per="agency",
            waivable_by=("cpu",),
            carries_into=(Stage.INITIAL_PANEL,),
            due_before=PAPERS_BEFORE_PANEL,
        ),
        TaskDefinition(
            kind=TaskKind.SYNOPSIS_SUBMITTED,
            title="Submit a brief synopsis of involvement",
            owner="review_leads",
            deadline=CalendarMonths(1),
            anchor="referral",
            reminders=DEFAULT_REMINDERS,
            per="agency",
            waivable_by=("cpu",),
            carries_into=(Stage.INITIAL_PANEL,),
            due_before=PAPERS_BEFORE_PANEL,
        ),
    ),
    ends_when=AllTasksDone(
        kinds=(
            TaskKind.CPU_CP_PLAN_CHECKED,
            TaskKind.CPU_OTHER_CHILDREN_CONSIDERED,
            TaskKind.CPU_ORGANISATIONS_INFORMED,
            TaskKind.CPU_CHAIR_INFORMED,
            TaskKind.SCHEDULE_INITIAL_PANEL,
        )
    ),
)
"""Referral and CPU actions. "A worker suspects abuse or neglect was a factor and tells
their agency's Designated Person, who contacts the CPU" (immediately): the referral is that
contact, so the designated person who makes it is not asked to confirm it (a worker's
concern reaching them can be recorded on their confirmation). "The referring organisation
considers other children at risk" (the CPU sees it on the card and is told when it is late);
the CPU "checks whether the child is or was subject of a child protection plan, informs the
other organisations and the Board Chair, and convenes the Initial SCR Panel" (promptly)."""

INITIAL_PANEL = StageDefinition(
    key=Stage.INITIAL_PANEL,
    title="Initial panel",
    tasks=(
        TaskDefinition(
            kind=TaskKind.PANEL_PAPERS_SENT,
            title="Send the integrated chronology to the panel",
            owner="cpu",
            deadline=WorkingDays(0),
            anchor="panel_date",
            reminders=_TO_ADMINS,
            due_before=PAPERS_BEFORE_PANEL,
        ),
        TaskDefinition(
            kind=TaskKind.INITIAL_PANEL_OUTCOME,
            title="Record the initial panel's recommendation",
            owner="cpu",
            deadline=WorkingDays(1),
            anchor="panel_date",
            reminders=AFTER_THE_EVENT_REMINDERS,
            records_event="initial_panel_held",
        ),
    ),
    ends_when=AllTasksDone(kinds=(TaskKind.INITIAL_PANEL_OUTCOME,)),
)
"""Initial panel: "the panel meets to decide if the SCR criteria are met" (within one month
of the referral), answering the framework's questions (`REVIEW_QUESTIONS`) with its
recommendation. The agencies' chronologies are "to be available to the Initial Panel": the
CPU sends the integrated chronology to its members before it meets (`PAPERS_BEFORE_PANEL`),
a task created as soon as the panel is booked; once the panel has met it is no longer
asked for."""

DECISION = StageDefinition(
    key=Stage.DECISION,
    title="Board Chair's decision",
    tasks=(
        TaskDefinition(
            kind=TaskKind.CHAIR_DECISION,
            title="Decide whether the SCR criteria are met",
            owner="board_chair",
            deadline=WorkingDays(5),
            anchor="panel_date",
            reminders=_TO_ADMINS,
            records_event="decision",
        ),
    ),
    ends_when=AllTasksDone(),
    routes=(
        Route("decided_audit", Stage.AUDIT),
        Route("decided_management_reviews", Stage.MANAGEMENT_REVIEWS),
        Route("decided_no_further_action", Stage.NO_FURTHER_ACTION),
    ),
)
"""Decision: "the Board Chair makes the final decision: SCR, or (criteria not met) a
smaller-scale audit or individual management reviews", or no further action; always an SCR
for a death where abuse or neglect is known or suspected (`ALWAYS_REVIEWED`). A review
directed by the Secretary of State or requested by OFSTED skips this stage: the review
stage opens at once."""

REVIEW = StageDefinition(
    key=Stage.REVIEW,
    title="Serious case review",
    tasks=(
        *_notifications(),
        TaskDefinition(
            kind=TaskKind.TERMS_OF_REFERENCE,
            title="Agree the terms of reference",
            owner="panel_chair",
            deadline=WorkingDays(10),
            anchor="decision",
            reminders=_TO_ADMINS,
        ),
        TaskDefinition(
            kind=TaskKind.IMR,
            title="Complete the individual management review",
            owner="imr_author",
            deadline=CalendarMonths(2),
            anchor="decision",
            reminders=_TO_PANEL_CHAIR,
            per="agency",
            waivable_by=("panel_chair",),
        ),
        TaskDefinition(
            kind=TaskKind.OVERVIEW_REPORT,
            title="Write the overview report",
            owner="panel_chair",
            deadline=CalendarMonths(4),
            anchor="decision",
            reminders=_TO_CHAIR,
        ),
    ),
    ends_when=EventRecorded("report_agreed"),
    limit=CompletionLimit(
        months=4,
        anchor="decision",
        tasks=(TaskKind.OVERVIEW_REPORT,),
        agreed_by=("admins", "board_chair", "panel_chair"),
        agreed_with="agreed with OFSTED",
    ),
)
"""Scope, management reviews and the overview report: "the panel sets terms of reference at
the first SCR panel meeting"; "every involved organisation completes an Individual
Management Review"; "the SCR is complete within four months, unless an extension is agreed
with OFSTED"."""


def _report_step(
    kind: TaskKind, title: str, deadline: WorkingDays | CalendarMonths
) -> TaskDefinition:
    return TaskDefinition(
        kind=kind,
        title=title,
        owner="admins",
        deadline=deadline,
        anchor="report_agreed",
        reminders=DEFAULT_REMINDERS.escalating_to("board_chair"),
    )


COPY_SUBJECT = "copy:"
"""A copy task's subject: ``copy:<recipient as the partnership file names it>``."""

REPORT_STEPS: tuple[TaskDefinition, ...] = (
    _report_step(
        TaskKind.REPORT_ACCESS_DECIDED, "Decide who may see the overview report", WorkingDays(10)
    ),
    _report_step(TaskKind.REPORT_STAFF_DEBRIEFED, "Debrief the staff involved", CalendarMonths(1)),
    _report_step(TaskKind.REPORT_FAMILY_DEBRIEFED, "Debrief the family", CalendarMonths(1)),
    _report_step(TaskKind.REPORT_MEDIA_BRIEFED, "Brief the media", CalendarMonths(1)),
    _report_step(
        TaskKind.REPORT_SENT_TO_OFSTED, "Send copies of the report to OFSTED", WorkingDays(10)
    ),
    TaskDefinition(
        kind=TaskKind.REPORT_COPY_SENT,
        title="Send a copy of the report",
        owner="admins",
        deadline=WorkingDays(10),
        anchor="report_agreed",
        reminders=DEFAULT_REMINDERS.escalating_to("board_chair"),
        per="recipient",
    ),
)
"""The Board's steps once it has agreed the overview report, each the business unit's task.
The framework names them without deadlines; these are what a Board would expect: who may
see the report is decided, and copies go to OFSTED (and to whoever the partnership file
lists under `[board] report_copies`), within 10 working days, before the report travels
further; the staff involved, the family and the media are debriefed within a month."""

BOARD_ACTION_PLAN = ActionPlan(
    overseen_by=("admins", "board_chair"),
    overseer="the Board",
    overseers="the Board (its business unit or Chair)",
    recommendations="the overview report's recommendations",
    not_begun="The overview report has not been agreed yet.",
)

MONITORING = monitoring_stage("report_agreed", BOARD_ACTION_PLAN, REPORT_STEPS)
"""Monitoring: "progress on each recommendation (pro forma: number, agency, progress), six
months after the overview report is agreed, then at intervals until fully implemented": the
interval is the Board's, agreed with the action plan (six months unless it says otherwise)
and changed when it likes (`bot.services.monitoring.rounds`)."""

AUDIT = StageDefinition(
    key=Stage.AUDIT,
    title="Smaller-scale audit",
    tasks=(
        *_notifications("audit_"),
        TaskDefinition(
            kind=TaskKind.AUDIT_FINDINGS_SHARED,
            title="Complete the audit and share its findings with the panel",
            owner="panel_chair",
            deadline=CalendarMonths(3),
            anchor="decision",
            reminders=_TO_CHAIR,
            records_event="findings_shared",
        ),
    ),
    ends_when=EventRecorded("findings_shared"),
)
"""Criteria not met: a smaller-scale audit instead of a review, then the case closes."""

MANAGEMENT_REVIEWS = StageDefinition(
    key=Stage.MANAGEMENT_REVIEWS,
    title="Individual management reviews",
    tasks=(
        *_notifications("mr_"),
        TaskDefinition(
            kind=TaskKind.MANAGEMENT_REVIEW,
            title="Complete the individual management review",
            owner="imr_author",
            deadline=CalendarMonths(2),
            anchor="decision",
            reminders=_TO_PANEL_CHAIR,
            per="agency",
        ),
        TaskDefinition(
            kind=TaskKind.MR_FINDINGS_SHARED,
            title="Share the management reviews' findings with the panel",
            owner="panel_chair",
            deadline=CalendarMonths(3),
            anchor="decision",
            reminders=_TO_CHAIR,
            records_event="findings_shared",
        ),
    ),
    ends_when=EventRecorded("findings_shared"),
)
"""Criteria not met: individual management reviews only, then the case closes."""

NO_FURTHER_ACTION = StageDefinition(
    key=Stage.NO_FURTHER_ACTION,
    title="No further action",
    tasks=_notifications("nfa_"),
    ends_when=AllTasksDone(),
    closes_case=True,
)
"""Criteria not met, and the Board takes no further action: the Chair's reason is recorded
with the decision, which is shared "with the Board, the Safeguarding Executive, OFSTED and
chief officers" as on every path; then the case closes."""

SIDE_PREFIXES: dict[str, str] = {
    Stage.AUDIT: "audit_",
    Stage.MANAGEMENT_REVIEWS: "mr_",
    Stage.NO_FURTHER_ACTION: "nfa_",
}

BOLTON_SCR = ProcessDefinition(
    key="bolton-scr",
    title="Serious Case Review (Bolton framework)",
    stages=(REFERRAL, INITIAL_PANEL, DECISION, REVIEW, MONITORING),
    events=(
        "referral",
        "panel_date",
        "initial_panel_held",
        "decided_audit",
        "decided_management_reviews",
        "decided_no_further_action",
        "decision",
        "report_agreed",
        SIGNED_OFF,
        "findings_shared",
    ),
    side_stages=(AUDIT, MANAGEMENT_REVIEWS, NO_FURTHER_ACTION),
)
