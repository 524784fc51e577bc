"""Scene: the review itself. The panel chair is appointed and confirms no previous
involvement; the terms of reference are set; Health's and Police's management reviews are
requested; Health's author interviews a health visitor (the invitation sent, then moved);
both reviews are submitted, Police's returned with comments and resubmitted, both accepted;
the panel chair makes the overview report's skeleton (Word); the agencies confirm the
overview report and the Board accepts it."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from sqlalchemy import select

from bot.demo.referral import CHILD_VALUES
from bot.demo.story import Story
from bot.demo.web import kept_files
from bot.ids import INPUT_ACTION, MonitoringBlock, ReviewAction, ReviewBlock
from bot.services.cases.access import active_agencies
from bot.testing.standin import Message
from storage.models import Case

LONDON = ZoneInfo("Europe/London")
BOARD_CHAIR, PANEL_CHAIR, ADMIN = "U0CHAIR", "U0DPE", "U0ADMIN"
AUTHORS = {"Health": "U0RLH", "Police": "U0RLP"}
CONFIRMERS = {"Health": "U0DPH", "Police": "U0DPP"}


INTERVAL_MONTHS = 4
"""The interval of progress returns the Board agrees with the action plan."""


def _at(story: Story, when: datetime, what: str) -> None:
    story.harness.clock.set(when)
    story.scene(what)


def _values(answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block: {INPUT_ACTION: value} for block, value in answers.items()}


def _click_in_dm(story: Story, user: str, action: ReviewAction, containing: str = "") -> None:
    harness = story.harness
    [message] = [
        m
        for m in harness.standin.dms_to(user)
        if action.value in str(m.blocks) and containing in m.text
    ][-1:]
    harness.driver.block_action(
        user, action.value, channel_id=message.channel, message_ts=message.ts
    )


def run_the_review(story: Story, reference: str) -> None:
    harness = story.harness
    with harness.runtime.db.session() as session:
        channel = session.scalars(select(Case.channel_id).where(Case.reference == reference)).one()
        agencies = {a.name: a.id for a in active_agencies(session)}
    assert channel is not None
    chair = story.name(PANEL_CHAIR)
    story.scene("the review begins")

    with story.step(f"{story.name(BOARD_CHAIR)} types `/scr review chair` and appoints {chair}"):
        harness.driver.slash_command(BOARD_CHAIR, "review chair", channel_id=channel)
        harness.wait()
        harness.driver.submit_view(
            BOARD_CHAIR, _values({ReviewBlock.PANEL_CHAIR.value: PANEL_CHAIR})
        )
    with story.step(f"{chair} confirms they had no previous involvement in the case"):
        _click_in_dm(story, PANEL_CHAIR, ReviewAction.CHAIR_NO_INVOLVEMENT)

    with story.step(f"{chair} types `/scr review terms` and sets the terms of reference"):
        harness.driver.slash_command(PANEL_CHAIR, "review terms", channel_id=channel)
        harness.wait()
        harness.driver.submit_view(
            PANEL_CHAIR,
            _values(
                {
                    ReviewBlock.KEY_ISSUES.value: "How injuries seen in the autumn were shared "
                    "between health and police, and why no referral followed.",
                    ReviewBlock.EXPERT.value: "An independent paediatrician reads the "
                    "health records.",
                    ReviewBlock.FAMILY_HISTORY.value: "The mother's own childhood and the "
                    "older sibling's care.",
                    ReviewBlock.PERIOD_FROM.value: "2026-01-01",
                    ReviewBlock.PERIOD_TO.value: "2026-11-20",
                    ReviewBlock.AGENCIES.value: [str(agencies["Health"]), str(agencies["Police"])],
                    ReviewBlock.FAMILY.value: "The mother will be invited to meet the panel chair.",
                    ReviewBlock.PROCEEDINGS.value: ["coroner", "criminal"],
                    ReviewBlock.LIAISON.value: "Monthly contact with the coroner's officer and "
                    "the senior investigating officer.",
                    ReviewBlock.MEDIA.value: "Enquiries to the Board's communications lead.",
                }
            ),
        )
    for agency, author in AUTHORS.items():
        with story.step(f"{chair} requests {agency}'s management review from {story.name(author)}"):
            harness.driver.slash_command(PANEL_CHAIR, "imr request", channel_id=channel)
            harness.wait()
            harness.driver.submit_view(
                PANEL_CHAIR,
                _values(
                    {
                        ReviewBlock.AGENCY.value: str(agencies[agency]),
                        ReviewBlock.AUTHOR.value: author,
                        ReviewBlock.DUE.value: "2027-01-29",
                    }
                ),
            )

    _interview(story, channel, agencies["Health"])

    _at(story, datetime(2027, 1, 20, 11, 0, tzinfo=LONDON), "the authors submit their reviews")
    for agency, author in AUTHORS.items():
        with story.step(
            f"{story.name(author)} opens the form from the DM and submits {agency}'s review"
        ):
            _click_in_dm(story, author, ReviewAction.OPEN_IMR_SUBMIT)
            harness.wait()
            harness.driver.submit_view(author, _values(_imr(agency)))
    with story.step(f"{chair} returns Police's review with comments"):
        _click_in_dm(story, PANEL_CHAIR, ReviewAction.OPEN_IMR_RETURN, "Police")
        harness.wait()
        harness.driver.submit_view(
            PANEL_CHAIR,
            _values(
                {
                    ReviewBlock.COMMENTS.value: "Please analyse why the October call-out was not "
                    "shared with health.",
                    ReviewBlock.NEW_DUE.value: "2027-02-05",
                }
            ),
        )
    with story.step(f"{chair} accepts Health's review"):
        _click_in_dm(story, PANEL_CHAIR, ReviewAction.IMR_ACCEPT, "Health")

    _at(story, datetime(2027, 2, 3, 10, 0, tzinfo=LONDON), "Police resubmit")
    with story.step(f"{story.name(AUTHORS['Police'])} resubmits Police's review"):
        _click_in_dm(story, AUTHORS["Police"], ReviewAction.OPEN_IMR_SUBMIT, "returned")
        harness.wait()
        answers = _imr("Police")
        answers[ReviewBlock.ANALYSIS.value] += " The call-out log was not shared: no protocol."
        harness.driver.submit_view(AUTHORS["Police"], _values(answers))
    with story.step(f"{chair} accepts the resubmitted Police review"):
        _click_in_dm(story, PANEL_CHAIR, ReviewAction.IMR_ACCEPT, "resubmitted")

    _at(story, datetime(2027, 3, 1, 10, 0, tzinfo=LONDON), "the overview report's draft")
    _skeleton(story, channel, reference)
    with story.step(f"{chair} types `/scr report ready`: the draft goes to the agencies"):
        harness.driver.slash_command(PANEL_CHAIR, "report ready", channel_id=channel)
        harness.wait()
        harness.driver.submit_view(PANEL_CHAIR, {})
    for agency, person in CONFIRMERS.items():
        with story.step(f"{story.name(person)} confirms {agency} is fully and fairly represented"):
            _click_in_dm(story, person, ReviewAction.CONFIRM_REPRESENTED)

    _at(story, datetime(2027, 3, 10, 14, 0, tzinfo=LONDON), "the Board has met")
    with story.step(
        f"{story.name(ADMIN)} records the Board's acceptance of the report (9 Mar) and its "
        "action plan, with progress returns every four months"
    ):
        harness.driver.slash_command(ADMIN, "report accepted", channel_id=channel)
        harness.wait()
        harness.driver.submit_view(
            ADMIN,
            _values(
                {
                    ReviewBlock.ACCEPTED_ON.value: "2027-03-09",
                    MonitoringBlock.INTERVAL.value: str(INTERVAL_MONTHS),
                }
            ),
        )
        harness.wait()
    _after_the_report(story, channel)


def _skeleton(story: Story, channel: str, reference: str) -> None:
    """The panel chair makes the overview report's skeleton: a Word document with the case's
    facts, the terms of reference and the integrated chronology, naming the reference only."""
    harness = story.harness
    with story.step(
        f"{story.name(PANEL_CHAIR)} types `/scr report skeleton`: the overview report's"
        " skeleton is made"
    ):
        harness.driver.slash_command(PANEL_CHAIR, "report skeleton", channel_id=channel)
    name = f"{reference.lower()}-overview-report-skeleton.docx"
    kept = [content for n, content in kept_files(harness, reference, PANEL_CHAIR) if n == name]
    uploaded = [f.content for f in harness.standin.files.values() if f.name == name]
    [content] = (kept or uploaded)[-1:]
    document = Document(io.BytesIO(content))
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for row in t.rows for c in row.cells]
    )
    assert reference in text and not any(v.casefold() in text.casefold() for v in CHILD_VALUES)
    where = "kept in the case room" if kept else "uploaded to the case channel"
    story.say(
        f"  ➜ {name} (Word), {where}: it names the case by its reference only, never the child"
    )


def _after_the_report(story: Story, channel: str) -> None:
    """The business unit records the Board's steps after the report, each from the case
    channel's checklist: who may see it, the copies, and the debriefs."""
    harness = story.harness
    _at(story, datetime(2027, 3, 16, 10, 0, tzinfo=LONDON), "the Board's steps after the report")
    with story.step(
        f"{story.name(ADMIN)} records each step from the case channel's checklist: who may see "
        "the report, the copies to OFSTED and the Department for Education, and the debriefs"
    ):
        while buttons := _open_steps(story, channel):
            checklist, button = buttons[0]
            harness.driver.block_action(
                ADMIN,
                ReviewAction.OPEN_REPORT_STEP.value,
                button,
                channel_id=channel,
                message_ts=checklist.ts,
            )
            harness.wait()
            harness.driver.submit_view(
                ADMIN, _values({ReviewBlock.STEP_DONE_ON.value: "2027-03-16"})
            )
            harness.wait()


def _open_steps(story: Story, channel: str) -> list[tuple[Message, str]]:
    """The checklist's buttons still to press, with the task id each carries."""
    [checklist] = [
        m
        for m in story.harness.standin.messages_in(channel)
        if "steps after the overview report" in m.text
    ]
    return [
        (checklist, str(e["value"]))
        for b in checklist.blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
        if e.get("action_id") == ReviewAction.OPEN_REPORT_STEP.value
    ]


def _interview(story: Story, channel: str, health: int) -> None:
    """Health's author interviews a health visitor (Appendix 2): the invitation goes to both
    by DM, then is moved a day (the same calendar entry, updated)."""
    harness = story.harness
    author, worker = AUTHORS["Health"], CONFIRMERS["Health"]
    with story.step(
        f"{story.name(author)} types `/scr interview` and arranges an interview with "
        f"{story.name(worker)}: the calendar invitation goes to both"
    ):
        harness.driver.slash_command(author, "interview", channel_id=channel)
        harness.wait()
        harness.driver.submit_view(
            author,
            _values(
                {
                    ReviewBlock.AGENCY.value: str(health),
                    ReviewBlock.INTERVIEWEE.value: worker,
                    ReviewBlock.INTERVIEWEE_ROLE.value: "health visitor",
                    ReviewBlock.MATTERS.value: ["involvement", "supervision", "agencies"],
                    ReviewBlock.SUPPORTER.value: "union representative",
                    ReviewBlock.BRIEFED.value: ["yes"],
                    ReviewBlock.STAFF_CARE.value: ["yes"],
                    ReviewBlock.INTERVIEW_DATE.value: "2027-01-12",
                    ReviewBlock.START.value: "10:00",
                    ReviewBlock.END.value: "11:00",
                    ReviewBlock.LOCATION.value: "Health HQ, room 4",
                }
            ),
        )
    with story.step(f"{story.name(author)} moves it to the next day: the invitation is updated"):
        _click_in_dm(story, author, ReviewAction.OPEN_INTERVIEW_MOVE)
        harness.wait()
        harness.driver.submit_view(
            author,
            _values(
                {
                    ReviewBlock.INTERVIEW_DATE.value: "2027-01-13",
                    ReviewBlock.START.value: "10:00",
                    ReviewBlock.END.value: "11:00",
                    ReviewBlock.LOCATION.value: "Health HQ, room 4",
                }
            ),
        )


def _imr(agency: str) -> dict[str, Any]:
    action = {
        "Health": "Training on recording and sharing injuries seen in babies",
        "Police": "A protocol for sharing call-outs involving babies with health",
    }[agency]
    return {
        ReviewBlock.AGENCY_DETAILS.value: f"{agency}: the services that saw the family; "
        "their records were read in full.",
        ReviewBlock.AUTHOR_ROLE.value: f"{agency} safeguarding manager from another area, "
        "with no part in the case.",
        ReviewBlock.TERMS_ADDRESSED.value: "Each key issue is answered in the analysis; "
        "two workers were interviewed.",
        ReviewBlock.INDEPENDENT.value: ["yes"],
        ReviewBlock.CHRONOLOGY.value: f"02.10.26 {agency} worker, first contact; "
        f"14.10.26 {agency} worker, follow-up",
        ReviewBlock.ANALYSIS.value: "Contact was recorded but not shared with partners.",
        ReviewBlock.LEARNING.value: "Injuries to a non-mobile baby must always be shared.",
        ReviewBlock.GOOD_PRACTICE.value: "Each contact was recorded the same day.",
        f"{ReviewBlock.REC_ACTION.value}_1": action,
        f"{ReviewBlock.REC_BY_WHOM.value}_1": f"{agency} safeguarding lead",
        f"{ReviewBlock.REC_BY_WHEN.value}_1": "2027-06-30",
        f"{ReviewBlock.REC_OUTCOME.value}_1": "Every such contact shared within a day",
    }
