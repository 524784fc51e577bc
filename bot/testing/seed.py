"""A made-up partnership for the demo and the tests: people, roles, agencies."""

from __future__ import annotations

from dataclasses import dataclass

from bot.partnership_config import PartnershipConfig, parse_partnership


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str


PEOPLE: tuple[Person, ...] = (
    Person("U0CHAIR", "Alex Chair", "chair@board.example"),
    Person("U0CPU1", "Sam CPU", "sam.cpu@council.example"),
    Person("U0CPU2", "Jo CPU", "jo.cpu@council.example"),
    Person("U0ADMIN", "Pat Admin", "pat.admin@board.example"),
    Person("U0DPH", "Dr Lee (Health DP)", "lee@health.example"),
    Person("U0RLH", "Kim Health Lead", "kim@health.example"),
    Person("U0DPP", "DS Rao (Police DP)", "rao@police.example"),
    Person("U0RLP", "Ines Police Lead", "ines@police.example"),
    Person("U0DPR", "Ola (Probation DP)", "ola@probation.example"),
    Person("U0DPC", "Chris (Children's Services DP)", "chris@cs.example"),
    Person("U0RLC", "Dee CS Lead", "dee@cs.example"),
    Person("U0DPE", "Mo (Education DP)", "mo@school.example"),
    Person("U0OUTSIDER", "Visitor", "visitor@elsewhere.example"),
)

SEED_TOML = """
[roles]
board_chair = ["U0CHAIR"]
cpu = ["U0CPU1", "U0CPU2"]
admins = ["U0ADMIN"]
review_chairs = ["U0DPE", "U0RLP"]

[board]
name = "Demo Safeguarding Children Board"
report_copies = ["Department for Education"]

[[agencies]]
name = "Health"
designated_persons = ["U0DPH"]
review_leads = ["U0RLH"]
email = "safeguarding@health.example"
core = true

[[agencies]]
name = "Police"
designated_persons = ["U0DPP"]
review_leads = ["U0RLP"]
core = true

[[agencies]]
name = "Probation"
designated_persons = ["U0DPR"]
core = true

[[agencies]]
name = "Children's Services"
designated_persons = ["U0DPC"]
review_leads = ["U0RLC"]
core = true

[[agencies]]
name = "Education"
designated_persons = ["U0DPE"]
"""


PARTNER_LEADS = {"local_authority": "U0DPC", "police": "U0RLP", "health": "U0RLH"}
"""The safeguarding partners' leads of `seed_partnership(partners=True)`."""
DELEGATED_LEAD = "U0CHAIR"


def seed_partnership(*, partners: bool = False, default: str | None = None) -> PartnershipConfig:
    """The seed partnership; with ``partners``, naming the three safeguarding partners' leads
    and the lead they delegate to; with ``default``, the process its cases follow unless the
    business unit picks another."""
    text = SEED_TOML
    if partners:
        named = ", ".join(f'{partner} = "{user}"' for partner, user in PARTNER_LEADS.items())
        roles = f'partner_leads = {{ {named} }}\ndelegated_lead = "{DELEGATED_LEAD}"\n'
        text = text.replace("[board]", f"{roles}\n[board]", 1)
    if default is not None:
        text += f'\n[process]\ndefault = "{default}"\n'
    return parse_partnership(text, source="seed partnership")
