"""The review in Slack, through the gateway only: the panel chair's appointment DM and its
answer; each version of the terms of reference posted to the case channel (the one before
marked superseded); the notes after an extension or a "not met" path's findings; the
management reviews' DMs (the author's request, the panel chair's copy of each submission,
replaced by their answer, the author's copy of a return) with a line in the channel at each
step; the overview report's DMs to each contributing agency, the tally in
the channel and the note of the Board's acceptance. An interview's messages are in
`bot.flows.interviews`.

Every message goes once (the gateway's ledger, by key); a step that fails is logged and the
rest carry on, and the case card is redrawn at the end."""

from __future__ import annotations

import logging
from datetime import date

from pydantic import ValidationError

from bot.calendar.invites import Attendee, no_mail_address
from bot.flows.after_report import refresh_steps
from bot.flows.cases import refresh_card
from bot.flows.documents import (
    case_page_link,
    case_page_url,
    keep,
    keep_shared_file,
    kept_in_case_room,
)
from bot.gateway import SlackError, SlackGateway
from bot.process.working_days import london_date
from bot.runtime import Runtime
from bot.services.cases import audit
from bot.services.cases.access import load_case
from bot.services.cases.documents import DocumentKind, NewDocument, is_kept
from bot.services.cases.identifying import case_identifiers
from bot.services.decision.findings import RecordedFindings, recorded_findings
from bot.services.panel.schema import Involvement
from bot.services.referral.opening import record_invited
from bot.services.refusal import RefusedError
from bot.services.review.access import agency_contacts, panel_chairs
from bot.services.review.frame import (
    AppointmentAnswer,
    appointment,
    limit_of,
    terms_form,
    terms_version,
    words_of,
)
from bot.services.review.imr import agency_name
from bot.services.review.panel import MemberAnswer, to_ask
from bot.services.review.report import (
    agency_names,
    answers,
    check_by,
    draft_facts,
    report_recommendations,
)
from bot.services.review.schema import (
    TERMS_LABELS,
    ChairStatus,
    DraftAnswer,
    ImrStatus,
)
from bot.services.review.skeleton import TITLE as SKELETON_TITLE
from bot.services.review.skeleton import file_name as skeleton_file_name
from bot.services.review.skeleton import skeleton_docx, skeleton_facts
from bot.views.format import day, moment, user_link
from bot.views.forms import section
from bot.views.messages import Message
from bot.views.review import (
    DraftCheck,
    TermsPosted,
    accepted,
    agency_answered,
    agency_request,
    appointment_answered,
    appointment_request,
    author_request,
    chair_answered,
    chair_declined,
    chair_in_post,
    findings_message,
    returned_to_author,
    review_member_declared,
    review_panel_answered,
    review_panel_request,
    skeleton_note,
    submitted_to_chair,
    tally,
    terms_lines,
    terms_message,
)
from bot.views.review_documents import findings_document, terms_document
from storage.models import ManagementReview, TermsOfReference

log = logging.getLogger(__name__)


# Messages, each once ---------------------------------------------------------------------


def post(slack: SlackGateway, key: str, channel: str, message: Message, case_id: int) -> bool:
    """Post once under ``key``; a failure is logged and left for a retry of the step."""
    try:
        slack.post_once(key, channel, message, case_id=case_id)
    except SlackError as exc:
        log.warning("case %s: %s not posted yet (%s)", case_id, key.rsplit(":", 1)[-1], exc.code)
        return False
    return True


def redraw(slack: SlackGateway, key: str, message: Message) -> None:
    """Replace the message posted once under ``key``, if it went."""
    sent = slack.sent(key)
    if sent is None:
        return
    try:
        slack.update(sent.channel, sent.ts, message)
    except SlackError as exc:
        log.warning("message %s not updated (%s)", sent.ts, exc.code)


def to_channel(
    runtime: Runtime, slack: SlackGateway, case_id: int, key: str, message: Message
) -> None:
    """Post once to the case channel (the key names the occasion)."""
    with runtime.db.session() as session:
        channel = load_case(session, case_id).channel_id
    if channel is not None:
        post(slack, f"case:{case_id}:{key}", channel, message, case_id)


def _note(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])


def _card(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    refresh_card(runtime, slack.client, case_id)


def invite_pending(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """Invite to the case channel whoever the case now needs and is not in it yet."""
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        channel = case.channel_id
        pending = [m.slack_user_id for m in case.members if m.invited_at is None]
    if channel is None:
        return
    for user in pending:
        try:
            refused = slack.invite(channel, [user]).refused
        except SlackError as exc:
            log.warning("case %s: could not invite a member yet (%s)", case_id, exc.code)
            continue
        if refused:
            log.warning("case %s: could not invite a member (%s)", case_id, refused[user])
            continue
        with runtime.db.session() as session:
            record_invited(session, case_id, [user], runtime.clock.now())


# The panel chair ---------------------------------------------------------------------------


def ask_appointee(runtime: Runtime, slack: SlackGateway, appointment_id: int) -> None:
    with runtime.db.session() as session:
        row = appointment(session, appointment_id)
        reference = load_case(session, row.case_id).reference
        user, appointer, case_id = row.slack_user_id, row.appointed_by, row.case_id
    message = appointment_request(reference, appointer, appointment_id)
    post(slack, f"appointment:{appointment_id}:ask", user, message, case_id)


def ask_review_panel(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """The review begins: the chair the Initial Panel named is asked to take the post, and
    each member named with them to confirm no previous involvement (each DM once)."""
    with runtime.db.session() as session:
        asks = to_ask(session, case_id)
    if asks.appointment_id is not None:
        ask_appointee(runtime, slack, asks.appointment_id)
    for row_id, user, named_by in asks.members:
        message = review_panel_request(asks.reference, named_by, row_id)
        post(slack, f"review-panel:{row_id}:ask", user, message, case_id)


def after_member_answer(runtime: Runtime, slack: SlackGateway, answer: MemberAnswer) -> None:
    """The member's DM redrawn; a declared involvement told in the case channel."""
    with runtime.db.session() as session:
        reference = load_case(session, answer.case_id).reference
    confirmed = answer.involvement is Involvement.NONE
    redraw(slack, f"review-panel:{answer.row_id}:ask", review_panel_answered(reference, confirmed))
    if answer.involvement is Involvement.DECLARED:
        message = review_member_declared(reference, answer.user)
        to_channel(
            runtime, slack, answer.case_id, f"review-panel:{answer.row_id}:declared", message
        )
    _card(runtime, slack, answer.case_id)


def after_answer(runtime: Runtime, slack: SlackGateway, answer: AppointmentAnswer) -> None:
    with runtime.db.session() as session:
        reference = load_case(session, answer.case_id).reference
    confirmed = answer.status is ChairStatus.CONFIRMED
    done = appointment_answered(reference, confirmed, answer.appointed_by)
    redraw(slack, f"appointment:{answer.appointment_id}:ask", done)
    if confirmed:
        invite_pending(runtime, slack, answer.case_id)
        to_channel(
            runtime,
            slack,
            answer.case_id,
            f"appointment:{answer.appointment_id}:in-post",
            chair_in_post(reference, answer.user),
        )
    elif answer.status is ChairStatus.DECLINED:
        post(
            slack,
            f"appointment:{answer.appointment_id}:declined",
            answer.appointed_by,
            chair_declined(reference, answer.user, answer.case_id),
            answer.case_id,
        )
    _card(runtime, slack, answer.case_id)


# Terms of reference, extension and findings ------------------------------------------------


def _posted(
    runtime: Runtime, row: TermsOfReference, previous: TermsOfReference | None
) -> TermsPosted:
    cipher = runtime.cipher
    with runtime.db.session() as session:
        reference = load_case(session, row.case_id).reference
        names = agency_names(session, list(row.agency_ids))
        born = case_identifiers(session, cipher, row.case_id).born
        sealed = cipher.for_case(session, row.case_id)
        words = words_of(limit_of(session, row.case_id))
    form = terms_form(sealed, row)
    changed: list[str] = []
    if previous is not None:
        before = terms_form(sealed, previous)
        for key, label in TERMS_LABELS.items():
            if getattr(before, key) != getattr(form, key) and label not in changed:
                changed.append(label)
    return TermsPosted(
        reference=reference,
        case_id=row.case_id,
        version=row.version,
        terms=form,
        agencies=[names[a] for a in row.agency_ids if a in names],
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        words=words,
        born=born,
        changed=changed,
    )


def _name(slack: SlackGateway, user: str) -> str:
    """A person's name for a document (their Slack id when Slack will not say)."""
    person = attendee_of(slack, user)
    return person.name if person is not None else user


def attendee_of(slack: SlackGateway, user: str) -> Attendee | None:
    """A person as a calendar attendee: their Slack e-mail, else a no-mail address."""
    try:
        profile = slack.user(user)
    except SlackError:
        return None
    details = profile.get("profile") or {}
    email = details.get("email")
    name = details.get("real_name") or profile.get("real_name") or user
    try:
        if email:
            return Attendee(email=email, name=str(name)[:120])
        return Attendee(email=None, name=str(name)[:120], no_mail_address=no_mail_address(user))
    except ValidationError:
        return None


def terms_title(version: int) -> str:
    return f"Terms of reference, version {version}"


def keep_terms(runtime: Runtime, slack: SlackGateway, posted: TermsPosted) -> str:
    """This version of the terms kept in the case room (once), as Word; its link."""
    title = terms_title(posted.version)
    if not is_kept(runtime.db, posted.case_id, DocumentKind.TERMS, title):
        lines = terms_lines(posted, _name(slack, posted.terms.liaison_lead))
        recorded = f"Set by {_name(slack, posted.recorded_by)}, {moment(posted.recorded_at)}."
        content = terms_document(posted.reference, posted.version, lines, recorded)
        name = f"{posted.reference.lower()}-terms-of-reference-v{posted.version}.docx"
        document = NewDocument(DocumentKind.TERMS, title, name, content)
        keep(runtime, posted.case_id, [document], actor=posted.recorded_by)
    return case_page_link(runtime, posted.reference)


def post_terms(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """Post the current version (with the case room, kept there and linked); mark the one
    before it superseded."""
    with runtime.db.session() as session:
        row = terms_version(session, case_id)
        if row is None:
            return
        previous = terms_version(session, case_id, row.version - 1)
    posted = _posted(runtime, row, previous)
    kept_in = keep_terms(runtime, slack, posted) if kept_in_case_room(runtime) else None
    to_channel(
        runtime, slack, case_id, f"terms:v{row.version}", terms_message(posted, kept_in=kept_in)
    )
    if previous is not None:
        old = terms_message(
            _posted(runtime, previous, None), superseded_by=row.version, kept_in=kept_in
        )
        redraw(slack, f"case:{case_id}:terms:v{previous.version}", old)
    _card(runtime, slack, case_id)


FINDINGS_TITLE = "Findings (criteria not met)"
FINDINGS_FILE_TITLE = "Findings: the document attached"


def keep_findings(runtime: Runtime, slack: SlackGateway, found: RecordedFindings) -> str:
    """The findings kept in the case room (once), as Word, with a copy of the document
    attached to them if any; the case room's link."""
    case = (found.case_id, found.reference)
    if not is_kept(runtime.db, found.case_id, DocumentKind.FINDINGS, FINDINGS_TITLE):
        recorded = f"Recorded by {_name(slack, found.recorded_by)}, {moment(found.recorded_at)}."
        content = findings_document(
            found.reference, found.path, found.summary, found.shared_on, recorded
        )
        name = f"{found.reference.lower()}-findings.docx"
        document = NewDocument(DocumentKind.FINDINGS, FINDINGS_TITLE, name, content)
        keep(runtime, found.case_id, [document], actor=found.recorded_by)
    if found.document_file_id is not None:
        kind, actor = DocumentKind.FINDINGS, found.recorded_by
        file_id = found.document_file_id
        keep_shared_file(runtime, slack, file_id, case, kind, FINDINGS_FILE_TITLE, actor=actor)
    return case_page_link(runtime, found.reference)


def after_findings(runtime: Runtime, slack: SlackGateway, case_id: int, changed: bool) -> None:
    """Once the findings are recorded: kept in the case room (when it is configured), the
    case channel told (with its link), and the card."""
    if not changed:
        _card(runtime, slack, case_id)
        return
    with runtime.db.session() as session:
        found = recorded_findings(session, runtime.cipher, case_id)
    if found is None:
        return
    kept_in = keep_findings(runtime, slack, found) if kept_in_case_room(runtime) else None
    note = findings_message(
        found.reference, found.path, found.shared_on, found.recorded_by, kept_in
    )
    after_note(runtime, slack, case_id, "findings", note)


def after_note(
    runtime: Runtime, slack: SlackGateway, case_id: int, key: str, message: Message | None
) -> None:
    """A note in the case channel (an extension, the findings), then the card."""
    if message is not None:
        to_channel(runtime, slack, case_id, key, message)
    _card(runtime, slack, case_id)


# Management reviews ---------------------------------------------------------------------------


def _facts(runtime: Runtime, review_id: int) -> tuple[ManagementReview, str, str, list[str]]:
    with runtime.db.session() as session:
        row = session.get(ManagementReview, review_id)
        assert row is not None
        reference = load_case(session, row.case_id).reference
        chairs = panel_chairs(session, row.case_id)
        return row, reference, agency_name(session, row.agency_id), chairs


def ask_author(runtime: Runtime, slack: SlackGateway, review_id: int) -> None:
    row, reference, agency, _ = _facts(runtime, review_id)
    invite_pending(runtime, slack, row.case_id)
    message = author_request(reference, agency, row.due_on, row.requested_by, review_id)
    key = f"imr:{review_id}:request:{row.author}:{row.due_on.isoformat()}"
    post(slack, key, row.author, message, row.case_id)
    note = _note(
        f"{reference}: {agency}'s management review is requested from {user_link(row.author)}, "
        f"due {day(row.due_on)}."
    )
    to_channel(runtime, slack, row.case_id, f"{key}:note", note)
    _card(runtime, slack, row.case_id)


def tell_chair_submitted(runtime: Runtime, slack: SlackGateway, review_id: int) -> None:
    row, reference, agency, chairs = _facts(runtime, review_id)
    kept = ""
    if kept_in_case_room(runtime) and row.document_file_id is not None:
        title = f"Management review: {agency}, submission {row.submissions}"
        case = (row.case_id, reference)
        kind = DocumentKind.MANAGEMENT_REVIEW
        if keep_shared_file(
            runtime, slack, row.document_file_id, case, kind, title, actor=row.author
        ):
            kept = f" A copy of its document is kept in {case_page_link(runtime, reference)}."
    message = submitted_to_chair(reference, agency, row.submissions, review_id)
    for chair in chairs:
        key = f"imr:{review_id}:submitted:{row.submissions}:{chair}"
        post(slack, key, chair, message, row.case_id)
    to_channel(
        runtime,
        slack,
        row.case_id,
        f"imr:{review_id}:submitted:{row.submissions}",
        _note(f"{reference}: {agency}'s management review is submitted.{kept}"),
    )
    _card(runtime, slack, row.case_id)


def after_chair_answer(runtime: Runtime, slack: SlackGateway, review_id: int) -> None:
    row, reference, agency, chairs = _facts(runtime, review_id)
    accepted_ = row.status == ImrStatus.ACCEPTED
    if row.decided_by is None or row.decided_at is None:
        return
    answered = chair_answered(
        reference, agency, accepted_, row.decided_by, london_date(row.decided_at)
    )
    for chair in chairs:
        redraw(slack, f"imr:{review_id}:submitted:{row.submissions}:{chair}", answered)
    if row.status == ImrStatus.RETURNED and row.return_comments is not None:
        with runtime.db.session() as session:
            sealed = runtime.cipher.for_case(session, row.case_id)
        comments = sealed.decrypt_text(row.return_comments)
        message = returned_to_author(reference, agency, comments, row.due_on, review_id)
        key = f"imr:{review_id}:returned:{row.submissions}"
        post(slack, key, row.author, message, row.case_id)
    verb = "accepted" if accepted_ else "returned to its author with comments"
    to_channel(
        runtime,
        slack,
        row.case_id,
        f"imr:{review_id}:answer:{row.submissions}",
        _note(f"{reference}: {agency}'s management review is {verb}."),
    )
    _card(runtime, slack, row.case_id)


# The overview report ---------------------------------------------------------------------------


def _contacts(runtime: Runtime, case_id: int, agency_id: int) -> list[str]:
    with runtime.db.session() as session:
        return agency_contacts(session, case_id, agency_id)


def _draft_link(slack: SlackGateway, file_id: str | None) -> str | None:
    """The attached draft's address in Slack (None without a file, or if Slack will not say)."""
    if file_id is None:
        return None
    try:
        link = slack.file_info(file_id).get("permalink")
    except SlackError as exc:
        log.warning("the overview report's draft has no link (%s)", exc.code)
        return None
    return str(link) if link else None


def send_draft(runtime: Runtime, slack: SlackGateway, draft_id: int) -> None:
    """Ask each contributing agency to check the draft: a link to it, and the date to
    answer by."""
    with runtime.db.session() as session:
        facts = draft_facts(session, draft_id)
        by = check_by(session, runtime.working_calendar(), facts.draft)
    draft = facts.draft
    link = _draft_link(slack, draft.document_file_id)
    if kept_in_case_room(runtime) and draft.document_file_id is not None:
        title = f"Overview report, draft {draft.version}"
        case, kind = (draft.case_id, facts.reference), DocumentKind.OVERVIEW_DRAFT
        file_id, actor = draft.document_file_id, draft.marked_by
        kept = keep_shared_file(runtime, slack, file_id, case, kind, title, actor=actor)
        link = case_page_url(runtime, facts.reference) if kept else link
    ask = DraftCheck(facts.reference, draft.version, draft_id, by, link)
    for agency_id in draft.agency_ids:
        message = agency_request(ask, facts.names[agency_id], agency_id, chair=draft.marked_by)
        for person in _contacts(runtime, draft.case_id, agency_id):
            post(slack, f"draft:{draft_id}:{agency_id}:{person}", person, message, draft.case_id)
    redraw_tally(runtime, slack, draft_id)


def redraw_tally(runtime: Runtime, slack: SlackGateway, draft_id: int) -> None:
    with runtime.db.session() as session:
        facts = draft_facts(session, draft_id)
        rows = facts.tally(answers(session, draft_id))
    draft = facts.draft
    message = tally(facts.reference, draft.version, draft.case_id, rows)
    key = f"draft:{draft_id}:tally"
    if slack.sent(f"case:{draft.case_id}:{key}") is None:
        to_channel(runtime, slack, draft.case_id, key, message)
    else:
        redraw(slack, f"case:{draft.case_id}:{key}", message)
    _card(runtime, slack, draft.case_id)


def after_agency_answer(
    runtime: Runtime, slack: SlackGateway, draft_id: int, agency_id: int
) -> None:
    with runtime.db.session() as session:
        facts = draft_facts(session, draft_id)
        answer = answers(session, draft_id).get(agency_id)
    if answer is None:
        return
    confirmed = answer.status == DraftAnswer.CONFIRMED
    done = agency_answered(facts.reference, facts.names[agency_id], confirmed, answer.answered_by)
    for person in _contacts(runtime, facts.draft.case_id, agency_id):
        redraw(slack, f"draft:{draft_id}:{agency_id}:{person}", done)
    redraw_tally(runtime, slack, draft_id)


def after_acceptance(runtime: Runtime, slack: SlackGateway, draft_id: int) -> None:
    with runtime.db.session() as session:
        facts = draft_facts(session, draft_id)
        count = len(report_recommendations(session, runtime.cipher, facts.draft.case_id))
    accepted_on: date | None = facts.draft.accepted_on
    assert accepted_on is not None
    note = accepted(facts.reference, accepted_on, count)
    to_channel(runtime, slack, facts.draft.case_id, "report:accepted", note)
    refresh_steps(runtime, slack, facts.draft.case_id)
    _card(runtime, slack, facts.draft.case_id)


# The overview report's skeleton -----------------------------------------------------------

SKELETON_NOT_SHARED = "Slack did not take the file just now; please try again in a minute."


def make_skeleton(runtime: Runtime, slack: SlackGateway, case_id: int, actor: str) -> str:
    """The overview report's skeleton made from what is recorded now, kept in the case room
    (the channel gets a link) or, without it, shared in the case channel as the chronology's
    Word file is. Returns a line for the person who asked."""
    now = runtime.clock.now()
    cal = runtime.working_calendar()
    try:
        with runtime.db.session() as session:
            facts = skeleton_facts(session, runtime.cipher, cal, case_id, cal.london_date(now))
            channel = load_case(session, case_id).channel_id
    except RefusedError as exc:
        return exc.message
    if channel is None:
        return f"{facts.reference} has no case channel yet; try again once it is set up."
    content, name = skeleton_docx(facts), skeleton_file_name(facts.reference)
    where: dict[str, object] = {}
    if kept_in_case_room(runtime):
        document = NewDocument(DocumentKind.OVERVIEW_SKELETON, SKELETON_TITLE, name, content)
        where["documents"] = [d.id for d in keep(runtime, case_id, [document], actor=actor)]
        link = case_page_link(runtime, facts.reference)
        try:
            slack.post(channel, skeleton_note(facts.reference, actor, link))
        except SlackError as exc:
            log.warning("skeleton of %s kept; channel not told: %s", facts.reference, exc.code)
        answer = f"{facts.reference}: the overview report's skeleton is in {link}."
    else:
        try:
            where["files"] = slack.upload_files(
                channel,
                files=[(name, content)],
                comment=skeleton_note(facts.reference, actor).text,
            )
        except SlackError as exc:
            log.warning("skeleton of %s not shared: %s", facts.reference, exc.code)
            return SKELETON_NOT_SHARED
        answer = f"{facts.reference}: the overview report's skeleton is in the case channel."
    with runtime.db.session() as session:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="report.skeleton_made",
            case_id=case_id,
            entries=len(facts.chronology),
            **where,
        )
    return answer
