"""Round dates come from the process definition: six calendar months after the report was
agreed, then every six months, without drifting at month ends."""

from __future__ import annotations

from bot.services import progress_returns as returns
from storage.models import Case
from tests.monitoring_helpers import LONDON, add_owners, ctx, london, to_monitoring


def test_rounds_after_a_report_agreed_on_the_last_day_of_august(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2027, 8, 31, 15))
    with harness.runtime.db.session() as session:
        context = ctx(harness, session)
        stored = session.get(Case, case.id)
        dues = [
            f"{returns.round_due(context, stored, k).astimezone(LONDON):%a %d %b %Y %H:%M}"
            for k in range(1, 5)
        ]
        assert returns.current_round(context, stored) == 1
    assert dues == [
        "Tue 29 Feb 2028 17:30",
        "Thu 31 Aug 2028 17:30",
        "Wed 28 Feb 2029 17:30",
        "Fri 31 Aug 2029 17:30",
    ]
    harness.clock.set(london(2028, 3, 1, 9))
    with harness.runtime.db.session() as session:
        assert returns.current_round(ctx(harness, session), session.get(Case, case.id)) == 2
