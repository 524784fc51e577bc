"""Who does what, as the framework writes it: the referring organisation considers other
children at risk (the CPU sees it on the card and hears when it is late); a worker's concern
reaching the designated person can be recorded; the designated person who made the referral
is not asked to confirm they notified the CPU (the referral is that notification)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.ids import FirstMonthAction
from bot.ids import FirstMonthBlock as B
from bot.jobs.worker import tick
from bot.services.first_month.tasks import answers_of
from tests.first_month.helpers import briefing, card, card_text, open_case, task, values
from tests.flow_helpers import body_json, cases, refer

LONDON = ZoneInfo("Europe/London")


def click_briefing(harness, user: str, kind: str):
    dm = briefing(harness, user)
    response = harness.driver.block_action(
        user,
        FirstMonthAction.TASK.value,
        block_id=f"{B.BRIEFING_ITEM.value}_{kind}",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()
    return response


def test_the_referring_designated_person_is_not_asked_to_confirm_the_notification(
    harness,
) -> None:
    open_case(harness)

    notified = task(harness, "dp_notified", "Health")
    assert (notified.status, notified.completed_by) == ("done", "U0DPH")
    dm = briefing(harness, "U0DPH")
    assert f"{B.BRIEFING_ITEM.value}_dp_notified" not in str(
        [b for b in dm.blocks if b.get("type") == "actions"]
    )
    assert "notified: ✓ 27 Nov" in card_text(harness)

    harness.driver.slash_command(
        "U0CPU1", "agency add Police", channel_id=cases(harness)[-1].channel_id
    )
    harness.wait()
    assert task(harness, "dp_notified", "Police").status == "open"


def test_a_referral_by_someone_other_than_a_designated_person_still_asks_for_it(harness) -> None:
    refer(harness, user="U0RLH")
    assert task(harness, "dp_notified", "Health").status == "open"


def test_other_children_at_risk_belong_to_the_referring_agency(harness) -> None:
    open_case(harness)
    considered = task(harness, "cpu_other_children_considered")
    assert considered.owner_role == "designated_persons"
    assert "Consider other children at risk (the referring agency)" in card_text(harness)
    assert "The referring agency:" in card_text(harness)

    message = card(harness)
    opened = len(harness.standin.calls_to("views.open"))
    harness.driver.block_action(
        "U0CPU1",
        FirstMonthAction.OTHER_CHILDREN.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    assert len(harness.standin.calls_to("views.open")) == opened

    click_briefing(harness, "U0DPH", "cpu_other_children_considered")
    harness.driver.submit_view(
        "U0DPH", values({B.OTHER_CHILDREN.value: "Sibling (4) seen; strategy discussion held"})
    )
    harness.wait()
    done = task(harness, "cpu_other_children_considered")
    assert (done.status, done.completed_by) == ("done", "U0DPH")
    assert "Consider other children at risk (the referring agency)" not in card_text(harness)


def test_the_cpu_hears_when_the_referring_agency_is_late_with_other_children(harness) -> None:
    open_case(harness)
    harness.clock.set(datetime(2026, 12, 1, 9, 5, tzinfo=LONDON))
    tick(harness.runtime)
    harness.wait()
    to_cpu = " ".join(str(m.blocks) for m in harness.standin.dms_to("U0CPU1"))
    to_health = " ".join(str(m.blocks) for m in harness.standin.dms_to("U0DPH"))
    assert "Consider other children" in to_health
    assert "Consider other children" in to_cpu


def test_a_workers_concern_reaching_the_designated_person_is_recorded(harness) -> None:
    open_case(harness)
    harness.driver.slash_command(
        "U0CPU1", "agency add Police", channel_id=cases(harness)[-1].channel_id
    )
    harness.wait()
    click_briefing(harness, "U0DPP", "dp_notified")
    view = harness.standin.open_view_for("U0DPP")
    assert "Whose concern reached you?" in str(view.blocks)
    answers = {
        B.WHEN_DATE.value: "2026-11-27",
        B.BY_WHOM.value: "DS Reid, designated officer",
        B.CONCERN_FROM.value: "PC Hart, response officer",
        B.CONCERN_ON.value: "2026-12-25",
    }
    refused = harness.driver.submit_view("U0DPP", values(answers), view_id=view.id)
    harness.wait()
    assert "future" in body_json(refused)["errors"][B.CONCERN_ON.value]
    assert task(harness, "dp_notified", "Police").status == "open"

    answers[B.CONCERN_ON.value] = "2026-11-26"
    harness.driver.submit_view("U0DPP", values(answers), view_id=view.id)
    harness.wait()
    done = task(harness, "dp_notified", "Police")
    assert (done.status, done.completed_by) == ("done", "U0DPP")
    with harness.runtime.db.session() as session:
        stored = answers_of(session, harness.runtime.cipher, done.id)
    assert stored is not None
    assert (stored["concern_from"], stored["concern_on"]) == (
        "PC Hart, response officer",
        "2026-11-26",
    )
