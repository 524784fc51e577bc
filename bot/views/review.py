"""The review in Block Kit (pure): appointing the panel chair and their answer, the terms of
reference (the modal and each version posted to the channel), an extension agreed with
OFSTED, a "not met" path's findings, the management reviews (request, the author's form,
the panel chair's reading, acceptance and return), interviews with workers, and the overview
report (the draft sent to the agencies, their answers, the Board's acceptance)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.services.review.schema import (
    BRIEFED,
    INDEPENDENCE,
    LONG_TEXT,
    MATTER_LABELS,
    MAX_RECOMMENDATIONS,
    PROCEEDING_LABELS,
    REC_FIELDS,
    SECTION_LABELS,
    SECTION_PROMPTS,
    SECTIONS,
    STAFF_CARE,
    InterviewFacts,
    InterviewStatus,
    Matter,
    Proceeding,
    TermsForm,
    rec_block,
)
from bot.views.format import LONDON, day, moment, plural, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.messages import Message

DOCUMENT_TYPES = ["pdf", "docx", "doc", "odt", "rtf"]


def document_input(label: str) -> InputBlock:
    return InputBlock(
        block_id=ReviewBlock.DOCUMENT.value,
        label=label,
        optional=True,
        element=FileInputElement(action_id=INPUT_ACTION, filetypes=DOCUMENT_TYPES, max_files=1),
    )


def button(text: str, action: ReviewAction, value: int | str, **extra: object) -> ButtonElement:
    return ButtonElement(text=text, action_id=action.value, value=str(value), **extra)  # type: ignore[arg-type]


def _meta(**ids: int) -> str:
    """A modal's private_metadata: the ids its submission is about."""
    return json.dumps(ids, sort_keys=True)


@dataclass(frozen=True)
class Choice:
    """An agency offered in a form."""

    id: int
    name: str


# The panel chair ------------------------------------------------------------------------


def panel_chair_modal(reference: str, case_id: int) -> View:
    return modal(
        ReviewCallback.PANEL_CHAIR.value,
        "Review panel chair",
        "Appoint",
        [
            section(
                f"*{reference}*: who chairs the review panel? They will be asked to confirm "
                "that they had no previous involvement in the direct management of the case."
            ),
            InputBlock(
                block_id=ReviewBlock.PANEL_CHAIR.value,
                label="Panel chair",
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
        ],
        _meta(case=case_id),
    )


def appointment_request(reference: str, appointer: str, appointment_id: int) -> Message:
    text = f"{reference}: you are asked to chair the review panel."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{reference}*: {user_link(appointer)} has asked you to chair the Serious Case "
                "Review panel. The chair must have had no previous involvement in the direct "
                "management of the case."
            ),
            ActionsBlock(
                block_id=ReviewBlock.REVIEW_BUTTONS.value,
                elements=[
                    button(
                        "I had no previous involvement",
                        ReviewAction.CHAIR_NO_INVOLVEMENT,
                        appointment_id,
                        style="primary",
                        confirm=ConfirmObject(
                            title="No previous involvement",
                            text="You confirm you had no previous involvement in the direct "
                            "management of this case, and you will chair the review panel.",
                            confirm="Confirm",
                            deny="Go back",
                        ),
                    ),
                    button("I have been involved", ReviewAction.CHAIR_INVOLVED, appointment_id),
                ],
            ),
        ],
    )


def appointment_answered(reference: str, confirmed: bool, appointer: str) -> Message:
    if confirmed:
        text = f"{reference}: you confirmed no previous involvement; you chair the review panel."
    else:
        text = (
            f"{reference}: you declared previous involvement, so you will not chair the panel. "
            f"{user_link(appointer)} has been told."
        )
    return Message(text=text, blocks=[section(text)])


def chair_in_post(reference: str, chair: str) -> Message:
    text = (
        f"{reference}: {user_link(chair)} chairs the review panel "
        "(no previous involvement confirmed)."
    )
    return Message(text=text, blocks=[section(text)])


def chair_declined(reference: str, chair: str, case_id: int) -> Message:
    text = (
        f"{reference}: {user_link(chair)} has declared previous involvement in the case and "
        "cannot chair the review panel. Please appoint someone else."
    )
    return Message(
        text=text,
        blocks=[
            section(text),
            ActionsBlock(
                elements=[button("Appoint the panel chair", ReviewAction.OPEN_PANEL_CHAIR, case_id)]
            ),
        ],
    )


# Terms of reference, extension and findings ---------------------------------------------


def _initial(current: TermsForm | None, key: str) -> str:
    return str(getattr(current, key)) if current else ""


def terms_modal(
    reference: str,
    case_id: int,
    agencies: Sequence[Choice],
    current: TermsForm | None,
    *,
    default_agencies: Sequence[int],
    completion: date,
) -> View:
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    chosen = set(current.agency_ids if current else default_agencies)
    proceedings = [Option(value=p.value, label=t) for p, t in PROCEEDING_LABELS.items()]
    had = {p.value for p in current.proceedings} if current else set()
    blocks: list[Block] = [
        section(f"*{reference}*: terms of reference" + (" (a new version)" if current else "")),
        long_text(
            ReviewBlock.KEY_ISSUES.value, "Key issues", initial=_initial(current, "key_issues")
        ),
        date_input(
            ReviewBlock.PERIOD_FROM.value,
            "Period under review: from",
            current.period_from if current else None,
        ),
        date_input(
            ReviewBlock.PERIOD_TO.value,
            "Period under review: to",
            current.period_to if current else None,
        ),
        InputBlock(
            block_id=ReviewBlock.AGENCIES.value,
            label="Agencies asked to contribute",
            element=StaticMultiSelectElement(
                action_id=INPUT_ACTION,
                options=options,
                initial_options=[o for o in options if int(o.value or 0) in chosen] or None,
            ),
        ),
        long_text(
            ReviewBlock.OTHERS.value,
            "Others asked to contribute",
            optional=True,
            initial=_initial(current, "others"),
        ),
        long_text(
            ReviewBlock.FAMILY.value,
            "Family involvement",
            optional=True,
            initial=_initial(current, "family_involvement"),
        ),
        InputBlock(
            block_id=ReviewBlock.PROCEEDINGS.value,
            label="Parallel proceedings",
            optional=True,
            element=CheckboxesElement(
                action_id=INPUT_ACTION,
                options=proceedings,
                initial_options=[o for o in proceedings if o.value in had] or None,
            ),
        ),
        long_text(
            ReviewBlock.LIAISON.value,
            "Liaison with those proceedings",
            optional=True,
            initial=_initial(current, "liaison"),
        ),
        long_text(
            ReviewBlock.MEDIA.value,
            "Media handling",
            optional=True,
            initial=_initial(current, "media"),
        ),
        date_input(
            ReviewBlock.COMPLETION.value,
            "Completion date",
            completion,
        ),
        context(BY_ROLE),
    ]
    return modal(
        ReviewCallback.TERMS.value, "Terms of reference", "Save", blocks, _meta(case=case_id)
    )


@dataclass(frozen=True)
class TermsPosted:
    reference: str
    case_id: int
    version: int
    terms: TermsForm
    agencies: Sequence[str]
    recorded_by: str
    recorded_at: datetime
    born: date | None = None
    changed: Sequence[str] = ()


def _period(terms: TermsForm, born: date | None) -> str:
    start = (
        "the child's birth"
        if born is not None and terms.period_from == born
        else day(terms.period_from)
    )
    return f"{start} to {day(terms.period_to)}"


def terms_message(posted: TermsPosted, *, superseded_by: int | None = None) -> Message:
    t = posted.terms
    proceedings = ", ".join(PROCEEDING_LABELS[Proceeding(p)] for p in t.proceedings) or "none"
    lines = [
        ("Key issues", t.key_issues),
        ("Period under review", _period(t, posted.born)),
        ("Agencies asked to contribute", ", ".join(posted.agencies)),
        ("Others asked to contribute", t.others or "none"),
        ("Family involvement", t.family_involvement or "not recorded"),
        ("Parallel proceedings", proceedings + (f"; liaison: {t.liaison}" if t.liaison else "")),
        ("Media handling", t.media or "not recorded"),
        ("Completion date", day(t.completion_date)),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=f"{posted.reference} · Terms of reference v{posted.version}"),
        *[section(f"*{label}*\n{value}") for label, value in lines],
    ]
    note = f"Set by {user_link(posted.recorded_by)}, {moment(posted.recorded_at)}"
    if posted.changed:
        note += " · changed: " + ", ".join(posted.changed)
    if superseded_by is not None:
        note += f" · superseded by version {superseded_by}"
    blocks.append(context(note))
    if superseded_by is None:
        blocks.append(DividerBlock())
        blocks.append(
            ActionsBlock(
                elements=[
                    button("Edit the terms", ReviewAction.OPEN_TERMS, posted.case_id),
                    button(
                        "Record an extension agreed with OFSTED",
                        ReviewAction.OPEN_EXTENSION,
                        posted.case_id,
                    ),
                ]
            )
        )
    text = f"{posted.reference}: terms of reference, version {posted.version}"
    return Message(text=text, blocks=blocks)


# Extension and findings ------------------------------------------------------------------------


def extension_modal(reference: str, case_id: int, today: date, current: date) -> View:
    return modal(
        ReviewCallback.EXTENSION.value,
        "Extension",
        "Record",
        [
            section(
                f"*{reference}* is due to be complete by {day(current)}. Record an extension "
                "agreed with OFSTED: the deadline and its reminders move."
            ),
            date_input(ReviewBlock.AGREED_ON.value, "Date agreed with OFSTED", today),
            date_input(ReviewBlock.NEW_COMPLETION.value, "New completion date", None),
            long_text(ReviewBlock.EXTENSION_REASON.value, "Reason"),
            context(BY_ROLE),
        ],
        _meta(case=case_id),
    )


def extension_message(reference: str, agreed_on: date, previous: date, new: date) -> Message:
    text = (
        f"{reference}: an extension was agreed with OFSTED on {day(agreed_on)}. The review is "
        f"now due to be complete by {day(new)} (was {day(previous)})."
    )
    return Message(text=text, blocks=[section(text)])


def findings_modal(reference: str, case_id: int, today: date, path: str) -> View:
    return modal(
        ReviewCallback.FINDINGS.value,
        "Findings",
        "Record",
        [
            section(f"*{reference}*: the findings of the {path}, shared with the panel."),
            long_text(ReviewBlock.FINDINGS.value, "Summary of the findings"),
            date_input(ReviewBlock.SHARED_ON.value, "Shared with the panel on", today),
            document_input("The findings as a document"),
            context(BY_ROLE + " Recording the findings closes the case."),
        ],
        _meta(case=case_id),
    )


def findings_message(reference: str, path: str, shared_on: date, by: str) -> Message:
    text = (
        f"{reference}: the findings of the {path} were shared with the panel on "
        f"{day(shared_on)} (recorded by {user_link(by)}). The case is now closed."
    )
    return Message(text=text, blocks=[section(text)])


# Management reviews ---------------------------------------------------------------------


APPENDIX_3 = (
    "*The management review (Appendix 3)* asks for:\n"
    + "\n".join(f"{SECTION_LABELS[key]}: {SECTION_PROMPTS[key]}" for key in SECTIONS)
    + "\n8. Recommendations and action plan: the action, by whom, by when, the expected "
    "outcome, and how the outcome will be reviewed.\n"
    "You can type them in the form, attach the review as a document, or both; either way "
    "you confirm that you are independent of the case."
)


def request_modal(
    reference: str, case_id: int, agencies: Sequence[Choice], default_due: date
) -> View:
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    return modal(
        ReviewCallback.IMR_REQUEST.value,
        "Management review",
        "Request",
        [
            section(f"*{reference}*: request an agency's individual management review."),
            InputBlock(
                block_id=ReviewBlock.AGENCY.value,
                label="Agency",
                element=StaticSelectElement(action_id=INPUT_ACTION, options=options),
            ),
            InputBlock(
                block_id=ReviewBlock.AUTHOR.value,
                label="Named author",
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
            date_input(ReviewBlock.DUE.value, "Due by", default_due),
        ],
        _meta(case=case_id),
    )


def author_request(
    reference: str, agency: str, due: date, requester: str, review_id: int
) -> Message:
    text = f"{reference}: please write {agency}'s management review by {day(due)}."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{reference}*: {user_link(requester)} has asked you to write {agency}'s "
                f"individual management review, due {day(due)}."
            ),
            section(APPENDIX_3),
            ActionsBlock(
                elements=[
                    button(
                        "Submit the management review",
                        ReviewAction.OPEN_IMR_SUBMIT,
                        review_id,
                        style="primary",
                    )
                ]
            ),
        ],
    )


@dataclass(frozen=True)
class Draft:
    """What the form shows: the last submission (for a returned review) and the comments."""

    sections: dict[str, str] = field(default_factory=dict)
    recommendations: Sequence[dict[str, Any]] = ()
    comments: str | None = None
    independent: bool = False


def _section_input(key: str, initial: str) -> InputBlock:
    """One section of Appendix 3, its prompt as the input's hint."""
    return InputBlock(
        block_id=key,
        label=SECTION_LABELS[key],
        hint=SECTION_PROMPTS[key],
        optional=True,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=True,
            max_length=LONG_TEXT,
            initial_value=initial or None,
        ),
    )


def _independence(ticked: bool) -> InputBlock:
    option = Option(value="yes", label=INDEPENDENCE)
    return InputBlock(
        block_id=ReviewBlock.INDEPENDENT.value,
        label="Independence",
        element=CheckboxesElement(
            action_id=INPUT_ACTION,
            options=[option],
            initial_options=[option] if ticked else None,
        ),
    )


def _rec_inputs(number: int, current: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), section(f"*Recommendation {number}*")]
    for prefix, key, label in REC_FIELDS:
        block_id = rec_block(prefix, number)
        if key == "by_when":
            initial = current.get(key)
            blocks.append(date_input(block_id, label, initial, optional=True))
            continue
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=label,
                optional=True,
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION,
                    multiline=key != "by_whom",
                    max_length=200 if key == "by_whom" else 3000,
                    initial_value=str(current.get(key) or "") or None,
                ),
            )
        )
    return blocks


def submission_modal(reference: str, agency: str, review_id: int, slots: int, draft: Draft) -> View:
    blocks: list[Block] = [section(f"*{reference}*: {agency}'s individual management review.")]
    if draft.comments:
        blocks.append(section(f"*Returned with the panel chair's comments:*\n{draft.comments}"))
    blocks += [_section_input(key, draft.sections.get(key, "")) for key in SECTIONS]
    blocks += [_independence(draft.independent), section("*8. Recommendations and action plan*")]
    for number in range(1, slots + 1):
        current = draft.recommendations[number - 1] if number <= len(draft.recommendations) else {}
        blocks += _rec_inputs(number, current)
    if slots < MAX_RECOMMENDATIONS:
        blocks.append(
            ActionsBlock(
                elements=[
                    button("Add a recommendation", ReviewAction.IMR_ADD_RECOMMENDATION, review_id)
                ]
            )
        )
    blocks += [DividerBlock(), document_input("Or attach the review"), context(BY_ROLE)]
    return modal(
        ReviewCallback.IMR_SUBMIT.value,
        "Management review",
        "Submit",
        blocks,
        _meta(review=review_id, slots=slots),
    )


def submitted_to_chair(reference: str, agency: str, submission: int, review_id: int) -> Message:
    again = " (resubmitted)" if submission > 1 else ""
    text = f"{reference}: {agency}'s management review is submitted{again}."
    return Message(
        text=text,
        blocks=[
            section(f"*{text}* Please read it, then accept it or return it with comments."),
            ActionsBlock(
                elements=[
                    button("Read the review", ReviewAction.VIEW_IMR, review_id),
                    button(
                        "Accept the review",
                        ReviewAction.IMR_ACCEPT,
                        review_id,
                        style="primary",
                        confirm=ConfirmObject(
                            title="Accept the review",
                            text=f"Accept {agency}'s management review?",
                            confirm="Accept",
                            deny="Go back",
                        ),
                    ),
                    button("Return with comments", ReviewAction.OPEN_IMR_RETURN, review_id),
                ]
            ),
        ],
    )


def chair_answered(reference: str, agency: str, accepted: bool, chair: str, on: date) -> Message:
    verb = "accepted" if accepted else "returned with comments"
    text = f"{reference}: {agency}'s management review was {verb} by {user_link(chair)}, {day(on)}."
    return Message(text=text, blocks=[section(text)])


def review_view(reference: str, agency: str, content: Draft, document: str | None) -> View:
    blocks: list[Block] = [HeaderBlock(text=f"{reference} · {agency}"[:150])]
    blocks += [
        section(f"*{SECTION_LABELS[key]}*\n{content.sections.get(key) or '–'}") for key in SECTIONS
    ]
    if content.independent:
        blocks.append(context("The author confirms their independence of the case."))
    for rec in content.recommendations:
        when = day(rec["by_when"]) if rec.get("by_when") else "–"
        blocks.append(
            section(
                f"*Recommendation {rec['number']}*: {rec['action']}\nBy whom: "
                f"{rec.get('by_whom') or '–'} · by when: {when}\nExpected outcome: "
                f"{rec.get('expected_outcome') or '–'}\nReview of outcome: "
                f"{rec.get('review_of_outcome') or '–'}"
            )
        )
    if document:
        blocks.append(context("A document is attached to this review."))
    return View(
        type="modal",
        title=PlainTextObject(text="Management review"),
        close=PlainTextObject(text="Close"),
        blocks=blocks[:100],
    )


def return_modal(reference: str, agency: str, review_id: int, default_due: date) -> View:
    return modal(
        ReviewCallback.IMR_RETURN.value,
        "Return the review",
        "Return",
        [
            section(f"*{reference}*: return {agency}'s management review to its author."),
            long_text(ReviewBlock.COMMENTS.value, "What needs to change"),
            date_input(ReviewBlock.NEW_DUE.value, "Resubmit by", default_due),
            context(BY_ROLE),
        ],
        _meta(review=review_id),
    )


def returned_to_author(
    reference: str, agency: str, comments: str, due: date, review_id: int
) -> Message:
    text = f"{reference}: {agency}'s management review is returned; please resubmit by {day(due)}."
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n*The panel chair's comments:*\n{comments}"),
            ActionsBlock(
                elements=[
                    button(
                        "Resubmit the management review",
                        ReviewAction.OPEN_IMR_SUBMIT,
                        review_id,
                        style="primary",
                    )
                ]
            ),
        ],
    )


# Interviews -----------------------------------------------------------------------------


def _time(block: ReviewBlock, label: str, initial: str) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        element=TimePickerElement(action_id=INPUT_ACTION, initial_time=initial),
    )


def _short(block: ReviewBlock, label: str, limit: int) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=True,
        element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=limit),
    )


def _checkbox(block: ReviewBlock, label: str, option: str, ticked: bool) -> InputBlock:
    choice = Option(value="yes", label=option)
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=True,
        element=CheckboxesElement(
            action_id=INPUT_ACTION, options=[choice], initial_options=[choice] if ticked else None
        ),
    )


def _matters(block: ReviewBlock, label: str, ticked: Sequence[Matter]) -> InputBlock:
    options = {m: Option(value=m.value, label=MATTER_LABELS[m]) for m in Matter}
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=block is ReviewBlock.MATTERS_COVERED,
        element=CheckboxesElement(
            action_id=INPUT_ACTION,
            options=list(options.values()),
            initial_options=[options[m] for m in ticked] or None,
        ),
    )


def _when_inputs(
    day_: date, start: str = "10:00", end: str = "11:00", where: str = ""
) -> list[Block]:
    location = _short(ReviewBlock.LOCATION, "Where", 200)
    if where:
        location.element.initial_value = where  # type: ignore[union-attr]
    return [
        date_input(ReviewBlock.INTERVIEW_DATE.value, "Date", day_),
        _time(ReviewBlock.START, "From", start),
        _time(ReviewBlock.END, "To", end),
        location,
    ]


INVITATION_NOTE = (
    "A calendar invitation goes to you and to the interviewee by DM, and by e-mail where "
    "the Board's mail is set up. It names the case reference only."
)


def schedule_modal(reference: str, case_id: int, agencies: Sequence[Choice], today: date) -> View:
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    return modal(
        ReviewCallback.INTERVIEW.value,
        "Interview a worker",
        "Schedule",
        [
            section(f"*{reference}*: an interview with a worker (Appendix 2)."),
            InputBlock(
                block_id=ReviewBlock.AGENCY.value,
                label="For the agency",
                element=StaticSelectElement(
                    action_id=INPUT_ACTION,
                    options=options,
                    initial_option=options[0] if len(options) == 1 else None,
                ),
            ),
            InputBlock(
                block_id=ReviewBlock.INTERVIEWEE.value,
                label="Interviewee (if they are in Slack)",
                optional=True,
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
            _short(ReviewBlock.INTERVIEWEE_ROLE, "Their role (e.g. health visitor)", 120),
            _matters(ReviewBlock.MATTERS, "Matters to cover", list(Matter)),
            _short(ReviewBlock.SUPPORTER, "Supporter (their role, e.g. union representative)", 120),
            _checkbox(ReviewBlock.BRIEFED, "Briefing pack", BRIEFED, False),
            _checkbox(ReviewBlock.STAFF_CARE, "Staff care", STAFF_CARE, False),
            *_when_inputs(today),
            context(INVITATION_NOTE),
            context(BY_ROLE),
        ],
        _meta(case=case_id),
    )


def move_modal(facts: InterviewFacts, today: date) -> View:
    starts, ends = facts.starts.astimezone(LONDON), facts.ends.astimezone(LONDON)
    return modal(
        ReviewCallback.INTERVIEW_MOVE.value,
        "Move the interview",
        "Move",
        [
            section(
                f"*{facts.reference}*: {facts.agency}'s interview, now {_when(facts)}. "
                "Everyone invited is sent the updated invitation."
            ),
            *_when_inputs(
                max(starts.date(), today), f"{starts:%H:%M}", f"{ends:%H:%M}", facts.location
            ),
            context(BY_ROLE),
        ],
        _meta(interview=facts.interview_id),
    )


def _when(facts: InterviewFacts) -> str:
    starts, ends = facts.starts.astimezone(LONDON), facts.ends.astimezone(LONDON)
    return f"{day(starts.date())}, {starts:%H:%M}–{ends:%H:%M}"


def _tick(done: bool) -> str:
    return "✓" if done else "–"


def _checklist(facts: InterviewFacts) -> str:
    """The Appendix 2 record, line by line."""
    who = facts.role or "the interviewee"
    if facts.interviewee:
        who = f"{user_link(facts.interviewee)}" + (f" ({facts.role})" if facts.role else "")
    covered = set(facts.matters_covered)
    matters = "\n".join(
        f"    {_tick(m in covered) if facts.summary_shared_on else '•'} {MATTER_LABELS[m]}"
        for m in facts.matters
    )
    briefed = (
        f"✓ sent ({day(facts.briefing_sent_on)})" if facts.briefing_sent_on else "not sent yet"
    )
    summary = f"shared {day(facts.summary_shared_on)}" if facts.summary_shared_on else "not yet"
    if facts.status is InterviewStatus.AGREED:
        summary += ", agreed"
    elif facts.status is InterviewStatus.DISAGREED:
        summary += ", disputed in part"
    return (
        f"*Interviewee*: {who}, {facts.agency}\n"
        f"*Matters to cover*:\n{matters}\n"
        f"*Supporter*: {facts.supporter or 'none named'}\n"
        f"*Briefing pack*: {briefed}\n"
        f"*Staff care*: {'✓ arranged' if facts.staff_care else 'not arranged yet'}\n"
        f"*Summary*: {summary}"
    )


def scheduled(facts: InterviewFacts) -> Message:
    """The reviewer's message about the interview, redrawn at each change."""
    where = f" at {facts.location}" if facts.location else ""
    if facts.status is InterviewStatus.CANCELLED:
        text = (
            f"{facts.reference}: the interview for {facts.agency}'s management review on "
            f"{_when(facts)} is cancelled."
        )
        return Message(text=text, blocks=[section(f"~{_when(facts)}~ {text}")])
    text = (
        f"{facts.reference}: an interview for {facts.agency}'s management review is arranged "
        f"for {_when(facts)}{where}."
    )
    blocks: list[Block] = [section(text), section(_checklist(facts))]
    if facts.status is InterviewStatus.SCHEDULED:
        blocks += [
            context("Once the interview summary has been shared, record the outcome."),
            ActionsBlock(
                elements=[
                    button(
                        "Record the outcome",
                        ReviewAction.OPEN_INTERVIEW_OUTCOME,
                        facts.interview_id,
                    ),
                    button("Move it", ReviewAction.OPEN_INTERVIEW_MOVE, facts.interview_id),
                    _cancel_button(facts),
                ]
            ),
        ]
    return Message(text=text, blocks=blocks)


def _cancel_button(facts: InterviewFacts) -> ButtonElement:
    return button(
        "Cancel it",
        ReviewAction.INTERVIEW_CANCEL,
        facts.interview_id,
        style="danger",
        confirm=ConfirmObject(
            title="Cancel the interview?",
            text=f"The interview on {_when(facts)} is cancelled for everyone invited.",
            confirm="Cancel interview",
            deny="Keep it",
        ),
    )


def revision_dm(facts: InterviewFacts, *, interviewee: bool, with_file: bool) -> Message:
    """What each person invited is told of a revision of the interview."""
    where = f", {facts.location}" if facts.location else ""
    whose = f"{facts.agency}'s management review"
    if facts.status is InterviewStatus.CANCELLED:
        text = f"{facts.reference}: the interview for {whose} on {_when(facts)} is cancelled."
    elif facts.sequence > 0:
        text = f"{facts.reference}: the interview for {whose} is moved to {_when(facts)}{where}."
    elif interviewee:
        text = (
            f"{facts.reference}: {user_link(facts.reviewer)} invites you to an interview for "
            f"{whose}, {_when(facts)}{where}."
        )
    else:
        text = f"{facts.reference}: your interview for {whose} is {_when(facts)}{where}."
    blocks: list[Block] = [section(text)]
    if interviewee and facts.status is not InterviewStatus.CANCELLED:
        blocks.append(
            section(
                "*You can bring a supporter.* "
                + (f"Named so far: {facts.supporter}. " if facts.supporter else "")
                + "The interview will cover:\n"
                + "\n".join(f"• {MATTER_LABELS[m]}" for m in facts.matters)
            )
        )
    if with_file:
        blocks.append(context("The calendar file (.ics) follows."))
    return Message(text=text, blocks=blocks)


def ics_comment(facts: InterviewFacts, method: str) -> str:
    verb = {"CANCEL": "Cancellation"}.get(method, "Updated invitation" if facts.sequence else "")
    return f"{verb or 'Calendar invitation'} for the {facts.reference} interview."


def interview_email(facts: InterviewFacts, method: str) -> tuple[str, str]:
    """An invitation e-mail's subject and plain-text body (no Slack markup)."""
    name = f"{facts.reference} interview ({facts.agency})"
    if method == "CANCEL":
        return f"Cancelled: {name}", (
            f"The interview for {facts.reference} on {_when(facts)} is cancelled.\n"
        )
    verb = "Updated invitation" if facts.sequence else "Invitation"
    where = f"\nWhere: {facts.location}" if facts.location else ""
    return f"{verb}: {name}", (
        f"An interview for the serious case review {facts.reference}.\n"
        f"When: {_when(facts)} (UK time){where}\n"
        "The details are in Slack. Answer the invitation in your calendar.\n"
    )


def change_choices(facts: Sequence[InterviewFacts], *, cancel: bool) -> Message:
    """The person's scheduled interviews on the case, each with the button asked for."""
    verb = "cancel" if cancel else "move"
    text = f"{facts[0].reference}: which interview do you want to {verb}?"
    blocks: list[Block] = [section(text)]
    for one in facts[:20]:
        action = (
            _cancel_button(one)
            if cancel
            else button("Move it", ReviewAction.OPEN_INTERVIEW_MOVE, one.interview_id)
        )
        who = one.role or (user_link(one.interviewee) if one.interviewee else "a worker")
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"{one.agency}: {who}, {_when(one)}"),
                accessory=action,
            )
        )
    return Message(text=text, blocks=blocks)


def outcome_modal(facts: InterviewFacts, today: date) -> View:
    return modal(
        ReviewCallback.INTERVIEW_OUTCOME.value,
        "Interview outcome",
        "Record",
        [
            section(f"*{facts.reference}*: the interview of {_when(facts)}."),
            _matters(ReviewBlock.MATTERS_COVERED, "Matters covered", facts.matters),
            _checkbox(ReviewBlock.BRIEFED, "Briefing pack", BRIEFED, bool(facts.briefing_sent_on)),
            _checkbox(ReviewBlock.STAFF_CARE, "Staff care", STAFF_CARE, facts.staff_care),
            date_input(ReviewBlock.SHARED_ON.value, "Summary shared on", today),
            InputBlock(
                block_id=ReviewBlock.AGREED.value,
                label="Did the interviewee agree the summary?",
                element=RadioButtonsElement(
                    action_id=INPUT_ACTION,
                    options=[
                        Option(value="true", label="Agreed"),
                        Option(value="false", label="They disagree with part of it"),
                    ],
                ),
            ),
            long_text(ReviewBlock.DISAGREEMENT.value, "Where they disagree", optional=True),
            context(BY_ROLE),
        ],
        _meta(interview=facts.interview_id),
    )


def outcome_recorded(reference: str, agreed: bool, by: str, shared_on: date) -> Message:
    verb = "agreed by the interviewee" if agreed else "disputed in part by the interviewee"
    text = (
        f"{reference}: the interview summary was shared on {day(shared_on)} and {verb} "
        f"(recorded by {user_link(by)})."
    )
    return Message(text=text, blocks=[section(text)])


# The overview report --------------------------------------------------------------------


def draft_modal(reference: str, case_id: int) -> View:
    return modal(
        ReviewCallback.DRAFT_READY.value,
        "Overview report",
        "Send to agencies",
        [
            section(
                f"*{reference}*: the overview report's draft is ready. Each contributing agency "
                "will be asked to confirm that its information is fully and fairly represented."
            ),
            document_input("The anonymised draft"),
        ],
        _meta(case=case_id),
    )


@dataclass(frozen=True)
class DraftCheck:
    """A draft of the overview report put to the agencies: where to read it (its Slack
    file, if one was attached) and the date to answer by."""

    reference: str
    version: int
    draft_id: int
    check_by: date
    link: str | None = None


def agency_request(ask: DraftCheck, agency: str, agency_id: int, *, chair: str) -> Message:
    reference, version = ask.reference, ask.version
    value = f"{ask.draft_id}:{agency_id}"
    by = day(ask.check_by)
    text = (
        f"{reference}: please check the overview report's draft by {by}: is {agency}'s "
        "information fully and fairly represented?"
    )
    where = (
        f"<{ask.link}|Read draft {version}>"
        if ask.link
        else f"No file was attached to draft {version}: ask {user_link(chair)} for it"
    )
    return Message(
        text=text,
        blocks=[
            section(
                f"*{reference}*: draft {version} of the overview report is ready. {where} "
                f"and please check it by *{by}*: is {agency}'s information fully and fairly "
                "represented in it?"
            ),
            ActionsBlock(
                elements=[
                    button(
                        "Confirm fully and fairly represented",
                        ReviewAction.CONFIRM_REPRESENTED,
                        value,
                        style="primary",
                        confirm=ConfirmObject(
                            title="Confirm for your agency",
                            text=f"{agency}'s information is fully and fairly represented in "
                            f"draft {version}.",
                            confirm="Confirm",
                            deny="Go back",
                        ),
                    ),
                    button("Say what is not represented", ReviewAction.OPEN_NOT_REPRESENTED, value),
                ]
            ),
        ],
    )


def agency_answered(reference: str, agency: str, confirmed: bool, by: str) -> Message:
    verb = "confirmed" if confirmed else "said what is not fully and fairly represented"
    text = f"{reference}: {user_link(by)} {verb} for {agency} on the overview report's draft."
    return Message(text=text, blocks=[section(text)])


def not_represented_modal(reference: str, agency: str, draft_id: int, agency_id: int) -> View:
    return modal(
        ReviewCallback.NOT_REPRESENTED.value,
        "Overview report",
        "Send",
        [
            section(
                f"*{reference}*: what of {agency}'s information is not fully and fairly "
                "represented?"
            ),
            long_text(ReviewBlock.NOT_REPRESENTED.value, "What is not, and why"),
            context(BY_ROLE),
        ],
        _meta(draft=draft_id, agency=agency_id),
    )


def tally(reference: str, version: int, case_id: int, rows: Sequence[tuple[str, str]]) -> Message:
    """Each agency's answer on the draft, with the Board's acceptance button."""
    lines = [f"*{reference}*: overview report, draft {version}"]
    lines += [f"{agency} · {status}" for agency, status in rows]
    return Message(
        text=f"{reference}: the overview report's draft {version} is with the agencies",
        blocks=[
            section("\n".join(lines)),
            ActionsBlock(
                elements=[
                    button(
                        "Record the Board's acceptance",
                        ReviewAction.OPEN_REPORT_ACCEPTED,
                        case_id,
                    )
                ]
            ),
        ],
    )


def acceptance_modal(reference: str, case_id: int, today: date) -> View:
    return modal(
        ReviewCallback.REPORT_ACCEPTED.value,
        "Report accepted",
        "Record",
        [
            section(
                f"*{reference}*: the Board accepted the overview report. Recording it ends the "
                "review and starts monitoring its recommendations."
            ),
            date_input(ReviewBlock.ACCEPTED_ON.value, "Accepted by the Board on", today),
        ],
        _meta(case=case_id),
    )


def accepted(reference: str, on: date, recommendations: int) -> Message:
    ready = plural(
        recommendations,
        "recommendation from the management reviews is",
        "recommendations from the management reviews are",
    )
    text = (
        f"{reference}: the Board accepted the overview report on {day(on)}. The review is "
        f"complete and monitoring begins; the report's {ready} ready for the action plan."
    )
    return Message(text=text, blocks=[section(text)])
