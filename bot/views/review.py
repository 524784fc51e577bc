"""The review in Block Kit (pure): appointing the panel chair and their answer, the terms of
reference (the modal and each version posted to the channel), an extension agreed with
OFSTED, a "not met" path's findings, the management reviews (request, the author's form,
the panel chair's reading, acceptance and return), and the overview report (the draft sent to
the agencies, their answers, the Board's acceptance). Interviews with workers are
`bot.views.interviews`."""

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
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.services.review.schema import (
    INDEPENDENCE,
    LONG_TEXT,
    MAX_RECOMMENDATIONS,
    PROCEEDING_LABELS,
    REC_FIELDS,
    SECTION_LABELS,
    SECTION_PROMPTS,
    SECTIONS,
    ExtensionWords,
    Proceeding,
    TermsForm,
    rec_block,
)
from bot.views.format import day, moment, plural, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.messages import Message
from bot.views.monitoring import interval_input

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


def review_panel_request(reference: str, named_by: str, row_id: int) -> Message:
    """A review panel member is asked to confirm no previous involvement."""
    text = f"{reference}: please confirm you had no previous involvement in the case."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{reference}*: the Initial Panel ({user_link(named_by)} recording) named you "
                "on the Serious Case Review panel. Nobody on it may have had previous "
                "involvement in the direct management of the case; the review starts once "
                "everyone has confirmed."
            ),
            ActionsBlock(
                elements=[
                    button(
                        "I had no previous involvement",
                        ReviewAction.PANEL_NO_INVOLVEMENT,
                        row_id,
                        style="primary",
                    ),
                    button("I have been involved", ReviewAction.PANEL_INVOLVED, row_id),
                ]
            ),
        ],
    )


def review_panel_answered(reference: str, no_involvement: bool) -> Message:
    if no_involvement:
        text = f"{reference}: ✓ you confirmed no previous involvement; you sit on the review panel."
    else:
        text = (
            f"{reference}: you said you have been involved in the case. The CPU has been told "
            "and may record an exception or ask someone else."
        )
    return Message(text=text, blocks=[section(text)])


def review_member_declared(reference: str, member: str) -> Message:
    text = (
        f"{reference}: {user_link(member)}, named on the review panel, has been involved in the "
        "case. The CPU can record an exception with its reason (`/scr review exception`), or "
        "the Board can name someone else."
    )
    return Message(text=text, blocks=[section(text)])


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
    start: date,
    user: str,
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
        long_text(
            ReviewBlock.EXPERT.value,
            "Independent or outside expert (who, or why none is needed)",
            initial=_initial(current, "independent_expert"),
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
        long_text(
            ReviewBlock.FAMILY_HISTORY.value,
            "Family history to be covered",
            initial=_initial(current, "family_history"),
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
            ReviewBlock.OTHER_AREAS.value,
            "Other areas involved (other Boards or authorities)",
            optional=True,
            initial=_initial(current, "other_areas"),
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
        InputBlock(
            block_id=ReviewBlock.LIAISON_LEAD.value,
            label="Who links with the coroner, the police and the media",
            element=UserSelectElement(
                action_id=INPUT_ACTION, initial_user=current.liaison_lead if current else user
            ),
        ),
        long_text(
            ReviewBlock.MEDIA.value,
            "Media handling",
            optional=True,
            initial=_initial(current, "media"),
        ),
        date_input(
            ReviewBlock.REVIEW_START.value,
            "The review starts on",
            current.start_date if current else start,
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
    words: ExtensionWords
    born: date | None = None
    changed: Sequence[str] = ()


def _period(terms: TermsForm, born: date | None) -> str:
    start = (
        "the child's birth"
        if born is not None and terms.period_from == born
        else day(terms.period_from)
    )
    return f"{start} to {day(terms.period_to)}"


def terms_lines(posted: TermsPosted, lead: str | None = None) -> list[tuple[str, str]]:
    """The terms, issue by issue (``lead``: the liaison lead's name, else a Slack mention)."""
    t = posted.terms
    proceedings = ", ".join(PROCEEDING_LABELS[Proceeding(p)] for p in t.proceedings) or "none"
    return [
        ("Key issues", t.key_issues),
        ("Independent or outside expert", t.independent_expert or "not recorded"),
        ("Period under review", _period(t, posted.born)),
        ("Family history to be covered", t.family_history or "not recorded"),
        ("Agencies asked to contribute", ", ".join(posted.agencies)),
        ("Others asked to contribute", t.others or "none"),
        ("Other areas involved", t.other_areas or "none"),
        ("Family involvement", t.family_involvement or "not recorded"),
        ("Parallel proceedings", proceedings + (f"; liaison: {t.liaison}" if t.liaison else "")),
        ("Links with the coroner, the police and the media", lead or user_link(t.liaison_lead)),
        ("Media handling", t.media or "not recorded"),
        ("Review starts", day(t.start_date)),
        ("Completion date", day(t.completion_date)),
    ]


def terms_message(
    posted: TermsPosted, *, superseded_by: int | None = None, kept_in: str | None = None
) -> Message:
    """The terms in the case channel; with the case room (``kept_in``: its link) only where
    they are kept, and what changed."""
    shown = (
        [section(f"This version is kept in {kept_in}.")]
        if kept_in is not None
        else [section(f"*{label}*\n{value}") for label, value in terms_lines(posted)]
    )
    blocks: list[Block] = [
        HeaderBlock(text=f"{posted.reference} · Terms of reference v{posted.version}"),
        *shown,
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
                        f"Record an extension {posted.words.agreed_with}",
                        ReviewAction.OPEN_EXTENSION,
                        posted.case_id,
                    ),
                ]
            )
        )
    text = f"{posted.reference}: terms of reference, version {posted.version}"
    return Message(text=text, blocks=blocks)


# Extension and findings ------------------------------------------------------------------------


def extension_modal(
    reference: str, case_id: int, today: date, current: date, words: ExtensionWords
) -> View:
    """An extension of the case's completion date, in its process's words ("agreed with
    OFSTED", "complete" or "agreed by the safeguarding partners", "published")."""
    return modal(
        ReviewCallback.EXTENSION.value,
        "Extension",
        "Record",
        [
            section(
                f"*{reference}* is due to be {words.finished} by {day(current)}. Record an "
                f"extension {words.agreed_with}: the deadline and its reminders move."
            ),
            date_input(ReviewBlock.AGREED_ON.value, "Date agreed", today),
            date_input(
                ReviewBlock.NEW_COMPLETION.value, f"New date to be {words.finished} by", None
            ),
            long_text(ReviewBlock.EXTENSION_REASON.value, "Reason"),
            context(BY_ROLE),
        ],
        _meta(case=case_id),
    )


def extension_message(
    reference: str, agreed_on: date, previous: date, new: date, words: ExtensionWords
) -> Message:
    text = (
        f"{reference}: an extension was {words.agreed_with} on {day(agreed_on)}. The review "
        f"is now due to be {words.finished} by {day(new)} (was {day(previous)})."
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


def findings_message(
    reference: str, path: str, shared_on: date, by: str, kept_in: str | None = None
) -> Message:
    """The findings' note in the case channel (``kept_in``: the case room's link, where they
    are kept)."""
    kept = f" They are kept in {kept_in}." if kept_in else ""
    text = (
        f"{reference}: the findings of the {path} were shared with the panel on "
        f"{day(shared_on)} (recorded by {user_link(by)}). The case is now closed.{kept}"
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
            interval_input(),
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


def skeleton_note(reference: str, actor: str, where: str | None = None) -> Message:
    """The case channel's line when the overview report's skeleton is made: ``where`` it is
    kept (a link to the case room), or None when the file is shared with the message."""
    text = (
        f"{reference}: the overview report's skeleton (Word), with the case's facts, the "
        f"terms of reference and the integrated chronology, made for {user_link(actor)}."
    )
    if where is not None:
        text += f" It is in {where}."
    return Message(text=text, blocks=[section(text)])
