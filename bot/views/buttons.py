"""Buttons that say what they do, and to what. A button that can appear more than once in
one message or view (a task's button in a list, a slot's answer) carries an
``accessibility_label`` naming what it acts on: a screen reader announces "Confirm records
secured for SCR-2026-001, Police", not five times "Confirm records secured"."""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, ConfirmObject

MAX_ACCESSIBILITY_LABEL = 75
"""Slack's limit on a button's ``accessibility_label``."""


def about(*parts: str | None) -> str:
    """What a button acts on, from its case reference outwards: "SCR-2026-001, Police,
    recommendation 2" (empty parts left out)."""
    return ", ".join(part for part in parts if part)


def accessibility_label(text: str, subject: str) -> str:
    """ "Confirm records secured for SCR-2026-001, Police", within Slack's limit (the end,
    the least telling part, is what gives way)."""
    label = f"{text} for {subject}" if subject else text
    return label[:MAX_ACCESSIBILITY_LABEL]


def labelled_button(
    text: str,
    action_id: str,
    *,
    subject: str,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    """A button whose ``accessibility_label`` names ``subject`` (see `about`)."""
    return ButtonElement(
        text=text,
        action_id=action_id,
        value=value,
        url=url,
        style=style,
        confirm=confirm,
        accessibility_label=accessibility_label(text, subject),
    )


def decision_button(
    text: str,
    action_id: str,
    case_id: int,
    *,
    asks: str,
    confirm: str,
    style: str | None = None,
) -> ButtonElement:
    """A button that decides something for a case (its value is the case id), asking first:
    ``asks`` says what the click decides, ``confirm`` is the dialog's go-ahead."""
    return ButtonElement(
        text=text,
        action_id=action_id,
        value=str(case_id),
        style=style,
        confirm=ConfirmObject(
            title="Confirm the decision", text=asks, confirm=confirm, deny="Go back"
        ),
    )
