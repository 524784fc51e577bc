"""What a user sees of modals and the Home tab, and the changes Slack makes on their behalf.

The driver uses these to apply a ``view_submission`` answer (``response_action``) or a
dismissed modal, as Slack's client would.
"""

from __future__ import annotations

from typing import Any

from .blockkit import view_problem
from .models import JSON, View
from .workspace import Workspace

MAX_STACK = 3


class ViewControls:
    _ws: Workspace

    @property
    def views(self) -> dict[str, View]:
        return self._ws.views

    def home_view(self, user_id: str) -> JSON | None:
        with self._ws.lock:
            view = self._ws.views.get(self._ws.homes.get(user_id, ""))
            return None if view is None else view.to_slack(self._ws.team_id)

    def open_view_for(self, user_id: str) -> View | None:
        with self._ws.lock:
            stack = self._ws.stacks.get(user_id, [])
            return self._ws.views[stack[-1]] if stack else None

    def view_json(self, view_id: str) -> JSON:
        with self._ws.lock:
            return self._ws.views[view_id].to_slack(self._ws.team_id)

    def set_view_state(self, view_id: str, values: dict[str, dict[str, JSON]]) -> None:
        with self._ws.lock:
            self._ws.views[view_id].state = values

    def close_view(self, user_id: str, view_id: str | None = None) -> None:
        """The user dismissed ``view_id`` (default: the top modal) and those above it."""
        with self._ws.lock:
            stack = self._ws.stacks.get(user_id, [])
            if view_id in stack:
                del stack[stack.index(view_id) :]
            elif view_id is None and stack:
                stack.pop()

    def clear_views(self, user_id: str) -> None:
        with self._ws.lock:
            self._ws.stacks[user_id] = []

    def replace_view(self, view_id: str, payload: JSON) -> bool:
        """``response_action: update``; False (and a violation) when Slack would refuse."""
        with self._ws.lock:
            if not self._valid_modal(payload, "response_action update"):
                return False
            view = self._ws.views[view_id]
            view.payload = payload
            view.hash = self._ws.new_hash()
            return True

    def push_view(self, user_id: str, payload: JSON) -> View | None:
        """``response_action: push``; None (and a violation) when Slack would refuse."""
        with self._ws.lock:
            stack = self._ws.stacks.setdefault(user_id, [])
            if not self._valid_modal(payload, "response_action push"):
                return None
            if len(stack) >= MAX_STACK:
                self._ws.violations.append(
                    f"response_action push beyond {MAX_STACK} stacked modals"
                )
                return None
            view = View(
                id=self._ws.new_id("V"),
                type="modal",
                user=user_id,
                hash=self._ws.new_hash(),
                payload=payload,
                root_view_id=stack[0] if stack else None,
                previous_view_id=stack[-1] if stack else None,
            )
            self._ws.views[view.id] = view
            stack.append(view.id)
            return view

    def _valid_modal(self, payload: Any, where: str) -> bool:
        problem = view_problem(payload)
        if problem is None and payload.get("type") != "modal":
            problem = "not a modal"
        if problem is not None:
            self._ws.violations.append(f"{where}: {problem}")
        return problem is None

    def apply_submission_answer(self, user_id: str, view_id: str, answer: Any) -> None:
        """Change the user's modals as Slack does for the app's answer to a submission."""
        view = self._ws.views[view_id]
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action is None:
            self.close_view(user_id, view_id)
        elif action == "clear":
            self.clear_views(user_id)
        elif action == "update":
            self.replace_view(view_id, answer.get("view"))
        elif action == "push":
            self.push_view(user_id, answer.get("view"))
        elif action == "errors":
            inputs = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
            errors = answer.get("errors")
            unknown = set(errors or {}) - inputs
            if unknown or not errors or not isinstance(errors, dict):
                self.add_violation(f"response_action errors for non-input blocks {sorted(unknown)}")
        else:
            self.add_violation(f"unknown response_action {action!r}")

    def add_violation(self, text: str) -> None:
        with self._ws.lock:
            self._ws.violations.append(text)
