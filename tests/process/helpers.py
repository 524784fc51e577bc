"""Partnerships and referrals for the tests of a process chosen per case."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import ReferralBlock
from bot.partnership_config import PartnershipConfig, parse_partnership
from bot.testing.harness import Harness
from bot.testing.seed import SEED_TOML
from storage.models import Case
from tests.flow_helpers import agency_id, cases, open_referral_modal
from tests.referral.data import referral_values

PARTNER_LEADS = {"local_authority": "U0DPC", "police": "U0RLP", "health": "U0RLH"}
DELEGATED_LEAD = "U0CHAIR"


def partnership(*, default: str | None = None, leads: bool = False) -> PartnershipConfig:
    """The seed partnership, with a `[process]` default and the partners' leads if asked."""
    roles = ""
    if leads:
        named = ", ".join(f'{partner} = "{user}"' for partner, user in PARTNER_LEADS.items())
        roles = f'partner_leads = {{ {named} }}\ndelegated_lead = "{DELEGATED_LEAD}"\n'
    text = SEED_TOML.replace("[board]", f"{roles}\n[board]", 1)
    if default is not None:
        text += f'\n[process]\ndefault = "{default}"\n'
    return parse_partnership(text, source="test partnership")


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
