"""The review panel as the framework sets it up: its chair is a senior manager of the CPU or
someone the partnership file lists as eligible (``review_chairs``), and takes up the post
only once they confirm no previous involvement (tests/review/test_terms.py)."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import ReviewBlock
from storage.models import PanelChairAppointment
from tests.decision.helpers import decided, modal_of, submit
from tests.flow_helpers import body_json


def appointments(harness) -> list[PanelChairAppointment]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(PanelChairAppointment)))


def appoint(harness, case, chosen: str):
    harness.driver.slash_command("U0CHAIR", "review chair", channel_id=case.channel_id)
    harness.wait()
    view = modal_of(harness, "U0CHAIR", "review_panel_chair")
    return body_json(submit(harness, "U0CHAIR", {ReviewBlock.PANEL_CHAIR.value: chosen}, view.id))


def test_someone_neither_in_the_cpu_nor_listed_as_eligible_cannot_chair(harness) -> None:
    case = decided(harness)

    answer = appoint(harness, case, "U0DPH")

    assert answer["response_action"] == "errors"
    error = answer["errors"][ReviewBlock.PANEL_CHAIR.value]
    assert "senior manager of the CPU" in error and "review_chairs" in error
    assert appointments(harness) == []
    assert not any("chair the review panel" in m.text for m in harness.standin.dms_to("U0DPH"))


def test_a_cpu_manager_or_someone_listed_as_eligible_is_asked_to_chair(harness) -> None:
    case = decided(harness)

    assert appoint(harness, case, "U0CPU2") == {}
    assert appoint(harness, case, "U0RLP") == {}

    assert [(a.slack_user_id, a.status) for a in appointments(harness)] == [
        ("U0CPU2", "replaced"),
        ("U0RLP", "pending"),
    ]
    assert any("chair the review panel" in m.text for m in harness.standin.dms_to("U0RLP"))
