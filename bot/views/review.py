"""The review's frame in Block Kit (pure): appointing the panel chair, the terms of
reference (modal and the version posted to the channel), an extension agreed with OFSTED,
and a "not met" path's findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    StaticMultiSelectElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.services.review import PROCEEDING_LABELS, Proceeding, TermsForm
from bot.views.format import day, moment, user_link
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


# terms of reference --------------------------------------------------------------------------


def _initial(current: TermsForm | None, key: str) -> str:
    return str(getattr(current, key)) if current else ""


@dataclass(frozen=True)
class AgencyOption:
    id: int
    name: str


def terms_modal(
    reference: str,
    case_id: int,
    agencies: Sequence[AgencyOption],
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
    return modal(ReviewCallback.TERMS.value, "Terms of reference", "Save", blocks, str(case_id))


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
                        "Extension agreed with OFSTED", ReviewAction.OPEN_EXTENSION, posted.case_id
                    ),
                ]
            )
        )
    text = f"{posted.reference}: terms of reference, version {posted.version}"
    return Message(text=text, blocks=blocks)


# extension and findings ------------------------------------------------------------------------


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
        str(case_id),
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
        str(case_id),
    )


def findings_message(reference: str, path: str, shared_on: date, by: str) -> Message:
    text = (
        f"{reference}: the findings of the {path} were shared with the panel on "
        f"{day(shared_on)} (recorded by {user_link(by)}). The case is now closed."
    )
    return Message(text=text, blocks=[section(text)])
