"""A message as the Slack gateway posts it: its notification text and its blocks."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, object]:
        return {"text": self.text, "blocks": [b.to_dict() for b in self.blocks]}
