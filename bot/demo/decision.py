"""Scene: the Initial Panel has met; the CPU records its recommendation with the panel's
answers to the framework's questions, someone who is not the Board Chair tries the decision
button and is refused, the Chair (offered no "not met": the child died and neglect is
suspected) approves the review, and the business unit records who outside Slack was told."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.demo.story import Story
from bot.ids import INPUT_ACTION, DecisionAction, DecisionBlock, PanelBlock
from bot.process.bolton import DECISION_AUDIENCES, REVIEW_QUESTIONS
from bot.services.decision.schema import QUESTION_BLOCK
from bot.testing.standin import Message
from storage.models import Case

LONDON = ZoneInfo("Europe/London")
CPU = "U0CPU1"
CHAIR = "U0CHAIR"
ADMIN = "U0ADMIN"
ATTENDED = ["U0CPU1", "U0CPU2", "U0RLH", "U0DPP", "U0DPC"]
RATIONALE = (
    "The child died and neglect is suspected; health and police contact in the autumn was "
    "not shared between agencies. The panel recommends a Serious Case Review."
)

ANSWERS = {"cp_plan": "yes", "inter_agency": "yes", "lessons": "yes", "parallel": "yes"}


def _channel(story: Story, reference: str) -> str:
    with story.harness.runtime.db.session() as session:
        channel = session.scalars(select(Case.channel_id).where(Case.reference == reference)).one()
    assert channel is not None
    return channel


def _asking(story: Story, where: list[Message]) -> Message:
    return next(m for m in reversed(where) if DecisionAction.APPROVE.value in str(m.blocks))


def decide_the_case(story: Story, reference: str) -> None:
    harness = story.harness
    channel = _channel(story, reference)
    harness.clock.set(datetime(2026, 12, 16, 16, 30, tzinfo=LONDON))
    story.scene("the Initial Panel has met (16:30)")
    with story.step(f"{story.name(CPU)} types `/scr panel held` and confirms who attended"):
        harness.driver.slash_command(CPU, "panel held", channel_id=channel)
        harness.wait()
        harness.driver.submit_view(CPU, {PanelBlock.ATTENDANCE.value: {INPUT_ACTION: ATTENDED}})
    with story.step(
        f"{story.name(CPU)} types `/scr recommendation` in the case channel and records the"
        " panel's recommendation: criteria met"
    ):
        harness.driver.slash_command(CPU, "recommendation", channel_id=channel)
        harness.wait()
        harness.driver.submit_view(
            CPU,
            {
                DecisionBlock.CRITERIA_MET.value: {INPUT_ACTION: "true"},
                DecisionBlock.CRITERIA.value: {INPUT_ACTION: ["death", "inter_agency"]},
                DecisionBlock.RATIONALE.value: {INPUT_ACTION: RATIONALE},
                **{
                    f"{QUESTION_BLOCK}{key}": {INPUT_ACTION: ANSWERS.get(key, "unknown")}
                    for key, _ in REVIEW_QUESTIONS
                },
            },
        )
    posted = _asking(story, harness.standin.messages_in(channel))
    with story.step(f"{story.name(ADMIN)}, who is not the Board Chair, clicks Approve SCR"):
        harness.driver.block_action(
            ADMIN, DecisionAction.APPROVE.value, channel_id=channel, message_ts=posted.ts
        )
        harness.wait()
        story.reply(ADMIN, harness.standin.ephemerals_for(ADMIN)[-1].text)
    harness.clock.set(datetime(2026, 12, 17, 9, 15, tzinfo=LONDON))
    story.scene("the Board Chair decides")
    dm = _asking(story, harness.standin.dms_to(CHAIR))
    offered = [
        e["text"]["text"]
        for b in dm.blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    ]
    story.say(
        f"{story.name(CHAIR)}'s DM lists the panel's answers and offers only "
        + ", ".join(f"[{t}]" for t in offered)
        + ": a death where neglect is suspected always has a review"
    )
    with story.step(f"Thu 17 Dec: {story.name(CHAIR)} clicks Approve SCR in their DM and confirms"):
        harness.driver.block_action(
            CHAIR, DecisionAction.APPROVE.value, channel_id=dm.channel, message_ts=dm.ts
        )
    shared = " · ".join(f"“{title}”" for title in DECISION_AUDIENCES.values())
    with story.step(f"{story.name(ADMIN)} records, each done today by the Chair: {shared}"):
        for audience in DECISION_AUDIENCES:
            action = f"{DecisionAction.RECORD_NOTICE.value}_{audience}"
            harness.driver.block_action(ADMIN, action, channel_id=channel)
            harness.wait()
            harness.driver.submit_view(
                ADMIN,
                {
                    DecisionBlock.NOTIFIED_ON.value: {INPUT_ACTION: "2026-12-17"},
                    DecisionBlock.NOTIFIED_BY.value: {INPUT_ACTION: CHAIR},
                },
            )
            harness.wait()
