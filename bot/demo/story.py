"""Telling the demo's story: each step prints what reached Slack while it ran."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.testing.harness import Harness
from bot.testing.seed import PEOPLE
from bot.testing.transcript import describe_call


@dataclass
class Story:
    harness: Harness
    out: list[str] = field(default_factory=list)

    def name(self, slack_id: str) -> str:
        for person in PEOPLE:
            if person.user_id == slack_id:
                return person.name
        standin = self.harness.standin
        channel = standin.channels.get(slack_id)
        if channel is not None:
            if channel.name.startswith("D") or not channel.name:
                return f"DM({slack_id})"
            return channel.name
        for person in PEOPLE:
            if standin.im_with(person.user_id) == slack_id:
                return f"DM to {person.name}"
        return slack_id

    def say(self, text: str = "") -> None:
        print(text)
        self.out.append(text)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.say()
        self.say(f"━━ {title}")
        before = len(self.harness.standin.calls)
        yield
        self.harness.wait()
        for call in self.harness.standin.calls[before:]:
            for line in describe_call(call, self.name):
                self.say(line)

    def reply(self, who: str, body: str) -> None:
        """What a slash command answered, visible to that person only."""
        self.say(f"  ➜ only {self.name(who)} sees:")
        for line in body.splitlines():
            self.say(f"    ┃ {line}")
