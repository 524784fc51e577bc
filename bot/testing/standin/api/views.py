"""views.*: modals (a stack of at most three per user) and Home tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..args import Args, SlackError
from ..blockkit import view_problem
from ..models import JSON, View
from ..workspace import Workspace

if TYPE_CHECKING:
    from . import Handler

MAX_STACK = 3


def checked_view(raw: Any, kind: str) -> JSON:
    problem = view_problem(raw)
    if problem is None and raw.get("type") != kind:
        problem = f"expected a {kind} view, got {raw.get('type')!r}"
    if problem is not None:
        raise SlackError(
            "invalid_arguments",
            violation=f"invalid view: {problem}",
            response_metadata={"messages": [f"[ERROR] {problem} [json-pointer:/view]"]},
        )
    view: JSON = raw
    return view


def _external_id(ws: Workspace, view: JSON, keep: View | None = None) -> str | None:
    external_id = view.get("external_id") or None
    if external_id is not None:
        for other in ws.views.values():
            if other.external_id == external_id and other is not keep:
                raise SlackError("duplicate_external_id")
    return external_id


def _response(ws: Workspace, view: View) -> JSON:
    return {"view": view.to_slack(ws.team_id)}


def _new_modal(ws: Workspace, payload: JSON, user: str, stack: list[str]) -> View:
    view = View(
        id=ws.new_id("V"),
        type="modal",
        user=user,
        hash=ws.new_hash(),
        payload=payload,
        external_id=_external_id(ws, payload),
        root_view_id=stack[0] if stack else None,
        previous_view_id=stack[-1] if stack else None,
    )
    ws.views[view.id] = view
    stack.append(view.id)
    return view


def _trigger_user(ws: Workspace, a: Args) -> str:
    trigger_id = a.opt("trigger_id") or a.opt("interactivity_pointer")
    ws.exchange_trigger(trigger_id)
    return ws.triggers[str(trigger_id)].user


def open_view(ws: Workspace, a: Args) -> JSON:
    payload = checked_view(a.raw("view"), "modal")
    user = _trigger_user(ws, a)
    stack: list[str] = []
    ws.stacks[user] = stack
    return _response(ws, _new_modal(ws, payload, user, stack))


def push(ws: Workspace, a: Args) -> JSON:
    payload = checked_view(a.raw("view"), "modal")
    user = _trigger_user(ws, a)
    stack = ws.stacks.get(user, [])
    if not stack:
        raise SlackError("not_found", violation="views.push with no modal open")
    if len(stack) >= MAX_STACK:
        raise SlackError("push_limit_reached", violation=f"more than {MAX_STACK} stacked modals")
    return _response(ws, _new_modal(ws, payload, user, stack))


def _carry_state(old: View, blocks: list[JSON]) -> dict[str, dict[str, JSON]]:
    kept = {b.get("block_id") for b in blocks if b.get("type") == "input"}
    return {k: v for k, v in old.state.items() if k in kept}


def update(ws: Workspace, a: Args) -> JSON:
    view_id, external_id = a.opt("view_id"), a.opt("external_id")
    if view_id is None and external_id is None:
        raise SlackError("not_found", violation="views.update without view_id or external_id")
    view = ws.views.get(view_id or "") or next(
        (v for v in ws.views.values() if external_id and v.external_id == external_id), None
    )
    if view is None:
        raise SlackError("not_found")
    payload = checked_view(a.raw("view"), view.type)
    expected = a.opt("hash")
    if expected is not None and expected != view.hash:
        raise SlackError("hash_conflict")
    view.external_id = _external_id(ws, payload, keep=view) or view.external_id
    view.payload = payload
    view.state = _carry_state(view, view.blocks)
    view.hash = ws.new_hash()
    return _response(ws, view)


def publish(ws: Workspace, a: Args) -> JSON:
    payload = checked_view(a.raw("view"), "home")
    user = a.text("user_id")
    if user not in ws.users:
        raise SlackError("invalid_arguments", violation=f"views.publish for unknown user {user}")
    expected = a.opt("hash")
    current = ws.views.get(ws.homes.get(user, ""))
    if expected is not None and current is not None and expected != current.hash:
        raise SlackError("hash_conflict")
    if current is None:
        current = View(id=ws.new_id("V"), type="home", user=user, hash="", payload=payload)
        ws.views[current.id] = current
        ws.homes[user] = current.id
    current.external_id = _external_id(ws, payload, keep=current)
    current.payload = payload
    current.hash = ws.new_hash()
    return _response(ws, current)


HANDLERS: dict[str, Handler] = {
    "views.open": open_view,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}
