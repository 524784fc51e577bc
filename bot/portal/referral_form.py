"""The referral's identifying details as the web form posts them, into the plain values the
referral's schema validates; and its errors back onto the form's rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.views.web.portal import DETAIL_LABELS, FAMILY_ROWS

FAMILY_PARTS = ("name", "relationship", "dob", "address")
DATES = frozenset({"child_dob", "dob"})


def typed(form: Mapping[str, str]) -> dict[str, str]:
    """What the person typed, to show again beside the errors (never logged)."""
    names = list(DETAIL_LABELS) + [
        f"family-{row}-{part}" for row in range(FAMILY_ROWS) for part in FAMILY_PARTS
    ]
    return {name: form.get(name, "") for name in names}


def details_from(form: Mapping[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The details to validate, and for each family row kept, its row on the form (empty
    rows are left out; an empty date is a missing one)."""
    details: dict[str, Any] = {}
    for name in DETAIL_LABELS:
        value = form.get(name, "").strip()
        if value or name not in DATES:
            details[name] = value
    family: list[dict[str, str]] = []
    rows: list[int] = []
    for row in range(FAMILY_ROWS):
        parts = {part: form.get(f"family-{row}-{part}", "").strip() for part in FAMILY_PARTS}
        if not any(parts.values()):
            continue
        family.append({k: v for k, v in parts.items() if v or k not in DATES})
        rows.append(row)
    details["family"] = family
    return details, rows


def on_form(errors: Mapping[str, str], rows: list[int]) -> dict[str, str]:
    """The schema's errors keyed by the form's fields: a family member's by its form row."""
    placed: dict[str, str] = {}
    for key, message in errors.items():
        if key.startswith("family."):
            _, index, part = [*key.split("."), "", ""][:3]
            if index.isdigit() and int(index) < len(rows):
                key = f"family.{rows[int(index)]}.{part or 'name'}"
            else:
                key = "family.0.name"
        elif key not in DETAIL_LABELS:
            key = "child_dob" if key.endswith("date") else "child_name"
        placed.setdefault(key, message)
    return placed
