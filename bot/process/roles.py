"""The names of the people a process definition can give work to or escalate to."""

from __future__ import annotations

from typing import Literal, get_args

CaseRole = Literal["cpu", "board_chair", "admins", "panel_chair", "partner_leads", "delegated_lead"]
"""Roles held once per case: the CPU, the Board Chair, the business unit, the panel chair,
the three safeguarding partners' leads (local authority, police, health) and the lead they
delegate to, as the partnership file names them."""

AgencyRole = Literal["designated_persons", "review_leads", "imr_author", "action_owner"]
"""Roles held per agency (or, for ``action_owner``, per recommendation)."""

OwnerRule = CaseRole | AgencyRole
"""Who a task belongs to: a case role, or a role within the task's agency."""

CASE_ROLES: frozenset[str] = frozenset(get_args(CaseRole))
AGENCY_ROLES: frozenset[str] = frozenset(get_args(AgencyRole))
OWNER_ROLES: frozenset[str] = CASE_ROLES | AGENCY_ROLES


def is_agency_role(role: str) -> bool:
    return role in AGENCY_ROLES
