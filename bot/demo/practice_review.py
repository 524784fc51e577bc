"""The second, shorter story: a Child Safeguarding Practice Review, from the serious incident
notification to the safeguarding partners' decision on a local review. The partnership names
the three partners' leads; its cases follow a Serious Case Review unless the business unit
picks otherwise, as it does here."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.demo.referral import refer_a_case
from bot.demo.story import Story
from bot.ids import (
    INPUT_ACTION,
    NationalPanelBlock,
    PanelBlock,
    PartnersAction,
    PartnersBlock,
)
from bot.jobs.worker import tick
from bot.process.working_days import LONDON
from bot.settings import Settings
from bot.testing.harness import start_harness
from bot.testing.seed import PARTNER_LEADS, seed_partnership
from bot.testing.standin import Message, SlackStandIn
from storage.db import Database
from storage.models import Case

ADMIN = "U0ADMIN"
NATIONAL_REFERENCE = "NP-2026-0193"
PANEL_REASON = "The national panel agrees that a local review should be held."


def play_a_practice_review(
    standin: SlackStandIn,
    settings: Settings,
    database: Database,
    start: datetime,
    telling: Story,
) -> Story:
    """Plays the practice review from ``start`` against the first story's stand-in and
    database, the partnership now naming the partners' leads, told on after ``telling``."""
    harness = start_harness(
        standin,
        database,
        FrozenClock(start),
        partnership=seed_partnership(partners=True),
        settings=settings,
    )
    story = Story(
        harness,
        verbose=telling.verbose,
        echo=telling.echo,
        full=telling.full,
        short=telling.short,
        scenes=telling.scenes,
        by_worker=telling.by_worker,
        call_days=telling.call_days,
    )
    try:
        story.say()
        story.say(
            "The second story: a Child Safeguarding Practice Review, back on the first day,"
            " with the partnership now naming the three safeguarding partners' leads."
        )
        story.scene("a practice review is referred")
        reference = refer_a_case(story, ADMIN, "cspr")
        story.say(f"The case is {reference}: a practice review, beside the Board's other cases.")
        _notify_the_national_panel(story, reference)
        notified = story.harness.clock.now().astimezone(LONDON).date()
        _hold_the_rapid_review_meeting(story, reference)
        _send_the_rapid_review_report(story, reference, notified)
        _the_partners_decide(story)
    finally:
        harness.close()
    return story


def _channel(story: Story, reference: str) -> str:
    with story.harness.runtime.db.session() as session:
        channel = session.scalars(select(Case.channel_id).where(Case.reference == reference)).one()
    assert channel is not None
    return channel


def _on(story: Story, day: date, hour: int) -> str:
    story.harness.clock.set(datetime.combine(day, time(hour), tzinfo=LONDON))
    return f"{day:%a} {day.day} {day:%b} {hour:02d}:00"


def _submit_form(story: Story, command: str, reference: str, answers: dict[str, str]) -> None:
    harness = story.harness
    harness.driver.slash_command(ADMIN, command, channel_id=_channel(story, reference))
    harness.wait()
    view = harness.standin.open_view_for(ADMIN)
    assert view is not None, f"/scr {command} opened no form"
    values = {block: {INPUT_ACTION: value} for block, value in answers.items()}
    harness.driver.submit_view(ADMIN, values, view_id=view.id)


def _notify_the_national_panel(story: Story, reference: str) -> None:
    cal = story.harness.runtime.working_calendar()
    sent = cal.add_working_days(cal.london_date(story.harness.clock.now()), 2)
    when = _on(story, sent, 15)
    story.scene("the business unit notifies the national panel")
    with story.step(
        f"{when}: {story.name(ADMIN)} records with `/scr notification` the notification sent"
        f" that day, with the national panel's reference {NATIONAL_REFERENCE}"
    ):
        _submit_form(
            story,
            "notification",
            reference,
            {
                NationalPanelBlock.NOTIFIED_ON.value: sent.isoformat(),
                NationalPanelBlock.REFERENCE.value: NATIONAL_REFERENCE,
            },
        )


def _hold_the_rapid_review_meeting(story: Story, reference: str) -> None:
    """Booked the next working day for a week later, with the invitations' default people
    (the partners' leads chairing and members, the business unit, the agencies' designated
    persons), then marked held once it has met."""
    harness = story.harness
    cal = harness.runtime.working_calendar()
    booked = cal.add_working_days(cal.london_date(harness.clock.now()), 1)
    meets = cal.add_working_days(booked, 5)
    when = _on(story, booked, 10)
    story.scene("the business unit books the rapid review meeting")
    people = [PARTNER_LEADS[p] for p in ("police", "health")] + [ADMIN, "U0DPH"]
    with story.step(
        f"{when}: {story.name(ADMIN)} books the rapid review meeting with `/scr rapid meeting"
        f" schedule` for {meets:%a} {meets.day} {meets:%b} 10:00, the partners' leads, the"
        " business unit and Health's designated person invited"
    ):
        _submit_form(
            story,
            "rapid meeting schedule",
            reference,
            {
                PanelBlock.DATE.value: meets.isoformat(),
                PanelBlock.START.value: "10:00",
                PanelBlock.END.value: "12:00",
                PanelBlock.LOCATION.value: "Committee Room 1, Town Hall",
                PanelBlock.CHAIR.value: PARTNER_LEADS["local_authority"],
                PanelBlock.MEMBERS.value: people,  # type: ignore[dict-item]
            },
        )
    when = _on(story, meets, 14)
    with story.step(f"{when}: {story.name(ADMIN)} marks it held with `/scr rapid meeting held`"):
        harness.driver.slash_command(
            ADMIN, "rapid meeting held", channel_id=_channel(story, reference)
        )
        harness.wait()


def _send_the_rapid_review_report(story: Story, reference: str, notified: date) -> None:
    cal = story.harness.runtime.working_calendar()
    sent = cal.add_working_days(notified, 12)
    when = _on(story, sent, 11)
    story.scene("the rapid review report goes to the national panel")
    with story.step(
        f"{when}: {story.name(ADMIN)} records with `/scr rapid report` the rapid review"
        " report sent that morning"
    ):
        _submit_form(
            story,
            "rapid report",
            reference,
            {NationalPanelBlock.REPORT_SENT_ON.value: sent.isoformat()},
        )


def _request_to(story: Story, lead: str) -> Message:
    asks = PartnersAction.OPEN_PANEL_VIEW.value
    [request] = [m for m in story.harness.standin.dms_to(lead) if asks in str(m.blocks)]
    return request


def _the_partners_decide(story: Story) -> None:
    """The next working morning the leads are asked; each confirms a local review from their
    DM, the police lead first recording the national panel's view."""
    harness = story.harness
    cal = harness.runtime.working_calendar()
    morning = cal.next_working_day(cal.london_date(harness.clock.now()))
    when = _on(story, morning, 9)
    story.scene("the safeguarding partners decide on a local review")
    with story.step(f"{when}: the worker's tick asks the three partners' leads", worker=True):
        tick(harness.runtime)
    police = PARTNER_LEADS["police"]
    with story.step(
        f"{story.name(police)} records the national panel's view from the request: it agrees"
    ):
        request = _request_to(story, police)
        harness.driver.block_action(
            police,
            PartnersAction.OPEN_PANEL_VIEW.value,
            channel_id=request.channel,
            message_ts=request.ts,
        )
        harness.wait()
        view = harness.standin.open_view_for(police)
        assert view is not None, "the national panel's view did not open"
        values = {
            PartnersBlock.PANEL_VIEW.value: {INPUT_ACTION: "agrees"},
            PartnersBlock.PANEL_REASON.value: {INPUT_ACTION: PANEL_REASON},
        }
        harness.driver.submit_view(police, values, view_id=view.id)
    for partner in ("police", "health", "local_authority"):
        lead = PARTNER_LEADS[partner]
        with story.step(f"{story.name(lead)} presses Hold a local review in their DM"):
            request = _request_to(story, lead)
            harness.driver.block_action(
                lead, PartnersAction.HOLD.value, channel_id=request.channel, message_ts=request.ts
            )
