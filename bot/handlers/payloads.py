"""Slack's request payloads, parsed into models before anything reads them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SlashCommand(_Loose):
    user_id: str
    text: str = ""
    channel_id: str = ""
    trigger_id: str = ""
    command: str = "/scr"
    response_url: str = ""

    @property
    def words(self) -> list[str]:
        return self.text.split()


class User(_Loose):
    id: str


class Option(_Loose):
    value: StrictStr


class File(_Loose):
    id: StrictStr | None = None


class Element(_Loose):
    """One input's state, each field of the type Slack sends: a select whose option is a
    string, or checkboxes whose options are not a list, make the whole submission malformed
    (answered as out of date) instead of failing in a listener."""

    type: StrictStr = ""
    value: StrictStr | None = None
    selected_date: StrictStr | None = None
    selected_time: StrictStr | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_user: StrictStr | None = None
    selected_users: list[StrictStr] | None = None
    selected_conversation: StrictStr | None = None
    files: list[File] | None = None


class ViewState(_Loose):
    values: dict[str, dict[str, Element]] = Field(default_factory=dict)


class View(_Loose):
    id: str
    callback_id: str = ""
    private_metadata: str = ""
    hash: str = ""
    state: ViewState = Field(default_factory=ViewState)


class ViewSubmission(_Loose):
    user: User
    view: View

    def values(self) -> dict[str, Any]:
        """One plain value per input block: the shape a pydantic form model takes."""
        out: dict[str, Any] = {}
        for block_id, actions in self.view.state.values.items():
            for element in actions.values():
                out[block_id] = element_value(element)
        return out

    def file_ids(self, block_id: str) -> list[str]:
        """The ids of the files chosen in a file_input block."""
        files = self.values().get(block_id)
        return list(files) if isinstance(files, list) else []

    def answered(self) -> dict[str, Any]:
        """The inputs that were filled in: an empty one is left out, so a form model's
        default (or its "required" error) applies."""
        return {k: v for k, v in self.values().items() if v not in (None, "")}


def element_value(element: Element) -> Any:
    kind = element.type
    if kind in {"plain_text_input", "email_text_input", "url_text_input", "number_input"}:
        return element.value or ""
    if kind == "datepicker":
        return element.selected_date
    if kind == "timepicker":
        return element.selected_time
    if kind in {"static_select", "radio_buttons", "external_select"}:
        return element.selected_option.value if element.selected_option else None
    if kind in {"multi_static_select", "checkboxes", "multi_external_select"}:
        return [o.value for o in element.selected_options or []]
    if kind == "users_select":
        return element.selected_user
    if kind == "multi_users_select":
        return list(element.selected_users or [])
    if kind == "conversations_select":
        return element.selected_conversation
    if kind == "file_input":
        return [f.id for f in element.files or [] if f.id]
    return element.value


class Container(_Loose):
    channel_id: str | None = None
    message_ts: str | None = None
    view_id: str | None = None


class ActionItem(_Loose):
    action_id: str
    block_id: str = ""
    value: str | None = None
    selected_option: dict[str, Any] | None = None


class Channel(_Loose):
    id: str


class ClickedMessage(_Loose):
    """The message a button was clicked in, as Slack sends it back."""

    text: str = ""
    blocks: list[dict[str, Any]] = Field(default_factory=list)


class BlockAction(_Loose):
    user: User
    actions: list[ActionItem]
    trigger_id: str = ""
    container: Container = Field(default_factory=Container)
    channel: Channel | None = None
    view: View | None = None
    message: ClickedMessage | None = None
    response_url: str = ""

    @property
    def action(self) -> ActionItem:
        return self.actions[0]
