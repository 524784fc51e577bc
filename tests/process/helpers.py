"""Partnerships and referrals for the tests of a process chosen per case."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import ReferralBlock
from bot.partnership_config import PartnershipConfig
from bot.testing.harness import Harness
from bot.testing.seed import DELEGATED_LEAD as DELEGATED_LEAD
from bot.testing.seed import PARTNER_LEADS as PARTNER_LEADS
from bot.testing.seed import seed_partnership
from storage.models import Case
from tests.flow_helpers import agency_id, cases, open_referral_modal
from tests.referral.data import referral_values


def partnership(*, default: str | None = None, leads: bool = False) -> PartnershipConfig:
    """The seed partnership, with a `[process]` default and the partners' leads if asked."""
    return seed_partnership(partners=leads, default=default)


def modal_blocks(harness: Harness, view_id: str) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in harness.standin.views[view_id].blocks if "block_id" in b}


def refer_with(harness: Harness, user: str, process: str | None) -> Case:
    """A referral in the Slack modal by ``user``, picking ``process`` when given."""
    view_id = open_referral_modal(harness, user)
    overrides = {ReferralBlock.PROCESS.value: process} if process else {}
    response = harness.driver.submit_view(
        user, referral_values(agency_id(harness, "Health"), **overrides), view_id=view_id
    )
    assert response.status == 200, response.body
    harness.wait()
    return cases(harness)[-1]


def card_text(harness: Harness, case_id: int) -> str:
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.channel_id and case.card_ts
        channel, ts = case.channel_id, case.card_ts
    card = harness.standin.find_message(channel, ts)
    assert card is not None
    return json.dumps(card.blocks, ensure_ascii=False)


def home_text(harness: Harness, user: str) -> str:
    assert harness.driver.app_home_opened(user).status == 200
    harness.wait()
    home = harness.standin.home_view(user)
    assert home is not None, f"no Home tab was published for {user}"
    return json.dumps(home["blocks"], ensure_ascii=False)
