"""The engine, the reminders and the card know no process by name: a made-up third process,
known only to this test, runs through Slack unchanged (referred with, shown on its card,
its task in the morning's message, done by its button, the stage moving on)."""

from __future__ import annotations

import pytest

from bot.ids import ReferralBlock
from bot.jobs.worker import tick
from bot.process.deadlines import WorkingDays
from bot.process.definition import (
    AGENCY_ADDED,
    STAGE_START,
    AllTasksDone,
    ProcessDefinition,
    StageDefinition,
    TaskDefinition,
)
from bot.process.registry import on_trial
from bot.process.states import Stage, TaskKind
from tests.flow_helpers import agency_id, cases, open_referral_modal
from tests.process.helpers import card_text, home_text, modal_blocks
from tests.referral.data import referral_values
from tests.reminders.reminder_helpers import (
    DMLog,
    item_buttons,
    london,
    message_of_the_day,
    task_of,
)

TRIAL = ProcessDefinition(
    key="trial-review",
    title="A made-up learning review",
    stages=(
        StageDefinition(
            key="gathering",  # type: ignore[arg-type]
            title="Gathering what happened",
            tasks=(
                TaskDefinition(
                    kind="collect_accounts",  # type: ignore[arg-type]
                    title="Collect the agencies' accounts",
                    owner="admins",
                    deadline=WorkingDays(2),
                    anchor="referral",
                ),
                TaskDefinition(
                    kind="agency_note",  # type: ignore[arg-type]
                    title="Write the agency's note",
                    owner="designated_persons",
                    deadline=WorkingDays(5),
                    anchor=AGENCY_ADDED,
                    per="agency",
                ),
            ),
            ends_when=AllTasksDone(kinds=("collect_accounts",)),  # type: ignore[arg-type]
        ),
        StageDefinition(
            key="reflecting",  # type: ignore[arg-type]
            title="Reflecting together",
            tasks=(
                TaskDefinition(
                    kind="share_learning",  # type: ignore[arg-type]
                    title="Share what was learnt",
                    owner="partner_leads",
                    deadline=WorkingDays(10),
                    anchor=STAGE_START,
                ),
            ),
            ends_when=AllTasksDone(),
        ),
    ),
    events=("referral",),
)


def test_the_made_up_process_is_in_no_enum() -> None:
    assert {s.key for s in TRIAL.stages}.isdisjoint(set(Stage))
    assert {t.kind for t in TRIAL.tasks}.isdisjoint(set(TaskKind))


@pytest.mark.postgres
def test_a_made_up_process_runs_through_slack_unchanged(harness) -> None:
    with on_trial(TRIAL):
        view_id = open_referral_modal(harness, "U0ADMIN")
        choice = modal_blocks(harness, view_id)[ReferralBlock.PROCESS.value]
        assert "trial-review" in [o["value"] for o in choice["element"]["options"]]
        harness.driver.submit_view(
            "U0ADMIN",
            referral_values(agency_id(harness, "Health"), process="trial-review"),
            view_id=view_id,
        )
        harness.wait()

        [case] = cases(harness)
        assert (case.process_key, case.stage) == ("trial-review", "gathering")
        card = card_text(harness, case.id)
        assert "Gathering what happened" in card
        assert "Collect the agencies' accounts" in card
        assert "Write the agency's note" in card, "its per-agency task is the card's column"
        assert "Write the agency's note" in home_text(harness, "U0DPH")

        log = DMLog(harness)
        harness.clock.set(london(2026, 11, 30, 9))  # the working day before it is due
        tick(harness.runtime)
        log.collect()
        assert log.to("U0ADMIN", "Collect the agencies' accounts")
        message = message_of_the_day(harness, "U0ADMIN", "Collect the agencies' accounts")
        task = task_of(harness, case.id, "collect_accounts")
        [done, *_] = item_buttons(message, task.id)
        assert done["text"]["text"] == "Mark done"
        harness.driver.block_action(
            "U0ADMIN",
            done["action_id"],
            str(task.id),
            channel_id=message.channel,
            message_ts=message.ts,
        )
        harness.wait()

        [case] = cases(harness)
        assert case.stage == "reflecting"
        assert task_of(harness, case.id, "collect_accounts").status == "done"
        assert task_of(harness, case.id, "share_learning").owner_role == "partner_leads"
        card = card_text(harness, case.id)
        assert "Reflecting together" in card
        assert "Share what was learnt" in card
        assert "Share what was learnt" in home_text(harness, "U0CHAIR"), (
            "the partners' task reaches the Board Chair when the file names no partner lead"
        )
