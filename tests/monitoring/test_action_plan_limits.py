"""A long action plan stays within Slack's Block Kit limits wherever it is shown (the
stand-in fails the test on any message or modal Slack would refuse)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage.models import Recommendation
from tests.monitoring.monitoring_helpers import (
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
)
from tests.monitoring.test_action_plan_entry import listing


def test_a_hundred_and_twenty_recommendations_fit_every_surface(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    long_action = "Review the threshold for home visits and record the outcome. " * 40
    rows = [
        [str(n), "Health", long_action[:2999], "U0OWNH", "30/06/2027", "Done in time " * 50, ""]
        for n in range(1, 121)
    ]
    import_plan(harness, case, plan_csv(rows))
    with harness.runtime.db.session() as session:
        assert session.scalar(select(func.count(Recommendation.id))) == 120

    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    text = json.dumps(plan.blocks, ensure_ascii=False)
    assert len(plan.blocks) <= 50
    assert "…and 80 more" in text
    card = harness.standin.find_any_message(case.card_ts, case.channel_id)
    card_text = json.dumps(card.blocks, ensure_ascii=False)
    assert "*Action plan*: 120 recommendations · 120 open" in card_text
    assert "…and 105 more (`/scr actions`)" in card_text
    [told] = harness.standin.dms_to("U0OWNH")
    assert told.text.startswith("SCR-2026-001: you own recommendations 1, 2, 3, ")
    assert "119 and 120 of the action plan (Health)" in told.text
