"""Child Safeguarding Practice Reviews (Working Together 2018/2023) as a process definition.

Notify the national panel within 5 working days of learning of a serious incident (the
notification's date, as the local authority records it, is the case's "notification" event);
send it the rapid review report within 15 working days of that notification; a local
review, if the partners decide on one, completed and published within about six months of
that decision; then its action plan, monitored as an SCR's is until the case is signed off.

The safeguarding partners (the local authority, the police and health), through the leads
the partnership file names, carry out the rapid review and decide; what would go to a Board
Chair is told to the lead they delegate to.

The agencies' records and their information for the rapid review carry into the rapid
review's stage, which needs them; they end (superseded) once the partners have decided.
"""

from __future__ import annotations

from bot.process.action_plan import SIGNED_OFF, monitoring_stage
from bot.process.deadlines import CalendarMonths, WorkingDays
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
from bot.process.policy import DEFAULT_REMINDERS, PROMPT_REMINDERS
from bot.process.states import Stage, TaskKind

_TO_ADMINS = DEFAULT_REMINDERS.escalating_to("admins")
_TO_PARTNERS = DEFAULT_REMINDERS.escalating_to("delegated_lead")
_TO_PANEL_CHAIR = DEFAULT_REMINDERS.escalating_to("panel_chair")

NOTIFICATION = StageDefinition(
    key=Stage.NOTIFICATION,
    title="Serious incident notification",
    tasks=(
        TaskDefinition(
            kind=TaskKind.NOTIFY_NATIONAL_PANEL,
            title="Notify the national panel",
            owner="admins",
            deadline=WorkingDays(5),
            anchor="referral",
            reminders=_TO_PARTNERS,
            records_event="notification",
        ),
        TaskDefinition(
            kind=TaskKind.RECORDS_SECURED,
            title="Secure all relevant records",
            owner="designated_persons",
            deadline=WorkingDays(2),
            anchor=AGENCY_ADDED,
            reminders=PROMPT_REMINDERS.escalating_to("admins"),
            per="agency",
            carries_into=(Stage.RAPID_REVIEW,),
        ),
        TaskDefinition(
            kind=TaskKind.RAPID_REVIEW_INFORMATION,
            title="Send information for the rapid review",
            owner="designated_persons",
            deadline=WorkingDays(10),
            anchor="referral",
            reminders=_TO_ADMINS,
            per="agency",
            waivable_by=("admins",),
            carries_into=(Stage.RAPID_REVIEW,),
        ),
    ),
    ends_when=AllTasksDone(kinds=(TaskKind.NOTIFY_NATIONAL_PANEL,)),
)

RAPID_REVIEW = StageDefinition(
    key=Stage.RAPID_REVIEW,
    title="Rapid review",
    tasks=(
        TaskDefinition(
            kind=TaskKind.RAPID_REVIEW,
            title="Complete the rapid review and decide on a local review",
            owner="partner_leads",
            deadline=WorkingDays(15),
            anchor="referral",
            reminders=_TO_ADMINS,
            records_event="decision",
        ),
        TaskDefinition(
            kind=TaskKind.RAPID_REVIEW_MEETING,
            title="Hold the rapid review meeting",
            owner="admins",
            deadline=WorkingDays(10),
            anchor="notification",
            reminders=_TO_PARTNERS,
        ),
        TaskDefinition(
            kind=TaskKind.RAPID_REVIEW_REPORT,
            title="Send the rapid review report to the national panel",
            owner="admins",
            deadline=WorkingDays(15),
            anchor="notification",
            reminders=_TO_PARTNERS,
            records_event="rapid_review_sent",
        ),
    ),
    ends_when=AllTasksDone(kinds=(TaskKind.RAPID_REVIEW, TaskKind.RAPID_REVIEW_REPORT)),
    routes=(Route("decided_no_local_review", Stage.NO_LOCAL_REVIEW),),
)
"""The rapid review meeting (`/scr rapid meeting schedule`, invitations to the partners'
leads, the business unit and the agencies' designated persons) is held within 10 working
days of the notification; its task is done when the meeting is marked held.

The rapid review ends once its report has gone to the national panel and the safeguarding
partners have decided on a local review, which the three partners' leads each confirm
(`bot.services.partners`): a local review, or (the route) none."""

REPORT_BEFORE_PUBLICATION = DueBefore("publication_date", WorkingDays(7))
"""The final report goes to the national panel and the Department for Education at least 7
working days before publication: once the publication date is set, it falls due then, and
follows the date when it moves; until then, a month before the six-month limit."""

LOCAL_REVIEW = StageDefinition(
    key=Stage.LOCAL_REVIEW,
    title="Local child safeguarding practice review",
    tasks=(
        TaskDefinition(
            kind=TaskKind.REVIEWER_APPOINTED,
            title="Appoint the reviewer",
            owner="admins",
            deadline=WorkingDays(15),
            anchor="decision",
            reminders=_TO_PARTNERS,
        ),
        TaskDefinition(
            kind=TaskKind.TERMS_OF_REFERENCE,
            title="Agree the terms of reference",
            owner="panel_chair",
            deadline=WorkingDays(10),
            anchor="decision",
            reminders=_TO_ADMINS,
        ),
        TaskDefinition(
            kind=TaskKind.PRACTITIONERS_INVOLVED,
            title="Involve the practitioners in the review",
            owner="panel_chair",
            deadline=CalendarMonths(3),
            anchor="decision",
            reminders=_TO_ADMINS,
        ),
        TaskDefinition(
            kind=TaskKind.AGENCY_CONTRIBUTION,
            title="Send the agency's contribution to the review",
            owner="review_leads",
            deadline=CalendarMonths(2),
            anchor="decision",
            reminders=_TO_PANEL_CHAIR,
            per="agency",
            waivable_by=("panel_chair",),
        ),
        TaskDefinition(
            kind=TaskKind.FINAL_REPORT_SENT,
            title="Send the final report to the national panel and the Department",
            owner="admins",
            deadline=CalendarMonths(5),
            anchor="decision",
            reminders=_TO_PARTNERS,
            due_before=REPORT_BEFORE_PUBLICATION,
        ),
        TaskDefinition(
            kind=TaskKind.REVIEW_REPORT,
            title="Publish the review",
            owner="admins",
            deadline=CalendarMonths(6),
            anchor="decision",
            reminders=_TO_PARTNERS,
            records_event="report_published",
        ),
    ),
    ends_when=EventRecorded("report_published"),
    limit=CompletionLimit(
        months=6,
        anchor="decision",
        tasks=(TaskKind.REVIEW_REPORT,),
        agreed_by=("partner_leads", "delegated_lead", "admins"),
        agreed_with="agreed by the safeguarding partners",
        finished="published",
        planned_event="publication_date",
    ),
)
"""The reviewer appointed and the terms of reference agreed, the practitioners involved and
each agency's contribution; the final report to the national panel and the Department at
least 7 working days before publication; published within six months of the decision unless
the safeguarding partners (their leads, the lead they delegate to, or the business unit for
them) record an extension with its reason."""

NO_LOCAL_REVIEW = StageDefinition(
    key=Stage.NO_LOCAL_REVIEW,
    title="No local review",
    tasks=(
        TaskDefinition(
            kind=TaskKind.NO_LOCAL_REVIEW_SHARED,
            title="Tell the national panel there will be no local review",
            owner="admins",
            deadline=WorkingDays(2),
            anchor="decision",
            reminders=PROMPT_REMINDERS.escalating_to("delegated_lead"),
        ),
    ),
    ends_when=AllTasksDone(),
    closes_case=True,
)
"""The partners decide on no local review: the business unit tells the national panel
(with the rapid review), then the case closes."""

PARTNERS_ACTION_PLAN = ActionPlan(
    overseen_by=("admins", "delegated_lead", "partner_leads"),
    overseer="the safeguarding partners",
    overseers="the safeguarding partners (their business unit, leads or delegated lead)",
    recommendations="the local review's recommendations",
    not_begun="The local review has not been published yet.",
)

MONITORING = monitoring_stage("report_published", PARTNERS_ACTION_PLAN)
"""The action plan and its progress monitoring as for a Serious Case Review
(`bot.process.action_plan`): each recommendation's owner sends a progress return six months
after the review is published, then at the interval agreed with the plan, until the
safeguarding partners (their business unit, their leads or the lead they delegate to), who
close its recommendations, sign the case off. The steps an SCR takes once
its report is agreed (copies to OFSTED, briefings) have no place here: the final report went
to the national panel and the Department before publication."""

CSPR_2023 = ProcessDefinition(
    key="cspr",
    title="Child Safeguarding Practice Review (Working Together 2023)",
    stages=(NOTIFICATION, RAPID_REVIEW, LOCAL_REVIEW, MONITORING),
    events=(
        "referral",
        "notification",
        "rapid_review_sent",
        "decided_no_local_review",
        "decision",
        "publication_date",
        "report_published",
        SIGNED_OFF,
    ),
    side_stages=(NO_LOCAL_REVIEW,),
)
