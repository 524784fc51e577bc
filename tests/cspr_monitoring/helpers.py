"""A Child Safeguarding Practice Review brought to its monitoring stage: the partners'
decision recorded through the engine, then the review recorded published from its button."""

from __future__ import annotations

from datetime import datetime

from bot.ids import ReviewAction
from bot.testing.harness import Harness
from storage.models import Case
from tests.cspr_local.helpers import decided
from tests.decision.helpers import stored_case
from tests.process.helpers import home_text
from tests.reminders.reminder_helpers import task_of

PLAN_ROWS = [
    ["1", "Health", "Health visitors to review the threshold for home visits",
     "U0OWNH", "30/06/2028", "Every family seen at home within the threshold", ""],
    ["2", "Police", "Share domestic abuse call-outs with the health visiting team",
     "u0ownp@owners.example", "31/03/2028", "Call-outs shared within a day", ""],
]  # fmt: skip


def publish(harness: Harness, case: Case, at: datetime, user: str = "U0ADMIN") -> Case:
    """``user`` records the review published at ``at`` from the task's button on App Home."""
    task = task_of(harness, case.id, "review_report")
    harness.clock.set(at)
    assert "Record the review published" in home_text(harness, user)
    response = harness.driver.block_action(user, ReviewAction.PUBLISHED.value, str(task.id))
    assert response.status == 200, response.body
    harness.wait()
    return stored_case(harness, case.id)


def published(harness: Harness, decided_at: datetime, published_at: datetime) -> Case:
    return publish(harness, decided(harness, decided_at), published_at)
