"""A message as the Slack gateway posts it: its notification text and its blocks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from slack_sdk.models.blocks import Block


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block]

    @cached_property
    def _block_dicts(self) -> list[dict[str, Any]]:
        """The blocks as Slack takes them, converted once: one message often goes to several
        people (a set-up's DM to each CPU member)."""
        return [block.to_dict() for block in self.blocks]

    def as_kwargs(self) -> dict[str, object]:
        return {"text": self.text, "blocks": self._block_dicts}
