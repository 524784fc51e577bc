"""The demo's short telling: what each person saw, in a line or two a message.

A message is told by its first line and its buttons; the same message to several places
is told once, naming them all, and a DM someone got before word for word is told as a
repeat. An edited message is told by what changed. The pinned case card is shown whole
when it is posted; after that, only when the stage or the state of a task or
recommendation changed (answers coming in and days going by are left untold), by its rows
that changed, its countdowns ("3 days left") aside. The Web API's plumbing
(`users.info`, `conversations.open`, upload URLs) is left out."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from bot.testing.standin import SlackStandIn
from bot.testing.standin.models import RecordedCall
from bot.testing.transcript import render_blocks

HEADLINE = 110
"""Characters of a message's first line shown."""
ONE_LINE = 160
"""A message whose first line and buttons fit in this many characters takes one line."""
CARD_ROWS = 3
"""Changed rows of the case card shown before "(and N more)"."""
STAGE_ROWS = 4
"""Rows of the case card shown, at a new stage, before "(and N more)"."""
COMMENT_LINES = 2
"""Lines shown of the comment a file is shared with."""
BUTTONS = 8
"""Buttons of a message named before "(and N more)"."""

_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>|<((?:https?|mailto):[^>]*)>")
_BUTTON = re.compile(r"\[([^\]]+)\]")
POSTED = "{to}"
"""How a posted message is led: where it went."""
FORM_OPENS = "    a form opens: "
"""How a modal opening is told (a step's title takes it in where it can)."""
_REFERENCE = re.compile(r"^(✓ )?SCR-\d{4}-\d{3,}: ")
"""The case's reference opening a message: the demo has one case, named at its start."""
_COUNTDOWN = re.compile(
    r"\s*\((?:[^()]*\b(?:\d+\s+(?:working\s+)?days?|today|tomorrow|yesterday)\b[^()]*)\)"
    r"|\s*·?\s*\b\d+\s+(?:working\s+)?days?\s+(?:left|late|overdue|to go|ago)\b",
    re.IGNORECASE,
)


def plain(line: str) -> str:
    """A rendered line as a reader takes it in: no bold marks, links by their text."""
    line = _LINK.sub(lambda m: m.group(1) or m.group(2), line)
    return line.replace("*", "").strip()


def _rendered(args: Mapping[str, Any], names: Callable[[str], str]) -> list[str]:
    blocks = args.get("blocks")
    if isinstance(blocks, list) and blocks:
        lines = render_blocks(blocks, names)
    else:
        lines = [f"┃ {line}" for line in str(args.get("text", "")).splitlines()]
    return [line.removeprefix("┃").strip() for line in lines]


def _is_button_row(line: str) -> bool:
    return line.startswith("[") and line.endswith("]")


def shorten(text: str, limit: int = HEADLINE) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def headline(lines: Sequence[str]) -> str:
    """The message's first line a person reads (not a button row, divider or footnote)."""
    for line in lines:
        text = plain(line)
        if text and not _is_button_row(text) and not text.startswith(("(", "────")):
            return shorten(_REFERENCE.sub(lambda m: m.group(1) or "", text))
    return ""


def _common_start(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share from their start."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def what_changed(before: Sequence[str], after: Sequence[str]) -> str | None:
    """The first line of ``after`` that ``before`` lacks (where it is a long line edited
    near its end, the edited end), and how many more changed. None when nothing a reader
    sees changed."""
    old = [plain(line) for line in before]
    new = [
        text
        for text in (plain(line) for line in after)
        if text and text not in old and not _is_button_row(text) and not text.startswith("(")
    ]
    if not new:
        return headline(after) if not before else None
    text, more = new[0], f"  (and {len(new) - 1} more lines)" if len(new) > 1 else ""
    same = max((_common_start(text, o) for o in old), default=0)
    if len(text) > HEADLINE and same > HEADLINE // 2:
        cut = text.rfind(" ", 0, same - 20) + 1
        return "…" + shorten(text[cut:], HEADLINE - 1) + more
    return headline([text]) + more


def buttons(lines: Sequence[str]) -> list[str]:
    found: list[str] = []
    for line in lines:
        if _is_button_row(line.strip()):
            for label in _BUTTON.findall(line):
                if label not in found:
                    found.append(label)
    return found


def card_rows(lines: Sequence[str]) -> list[str]:
    """The card's rows as compared between steps: no buttons, footnotes or countdowns."""
    rows: list[str] = []
    for line in lines:
        text = plain(line)
        if not text or _is_button_row(text) or text.startswith(("(", "────")):
            continue
        rows.append(_COUNTDOWN.sub("", text).strip())
    return rows


@dataclass(frozen=True)
class CaseState:
    """What the case card reports, as the database holds it: the stage, and each row's
    state (a task's status and whether it is overdue, a recommendation's status)."""

    stage: str
    rows: frozenset[tuple[str, str, bool]]


def _row_key(row: str) -> str:
    """What a card row is about: the words before its first separator ("Health")."""
    return re.split(r" · |: ", row, maxsplit=1)[0]


def _at_most(rows: list[str], limit: int) -> list[str]:
    if len(rows) <= limit:
        return rows
    return [*rows[: limit - 1], f"{rows[limit - 1]}  (and {len(rows) - limit} more)"]


@dataclass
class _Told:
    """One message (or file, or event) as told; the same one to several places is told
    once. ``to`` names the places: people for their DMs, ``#name`` for channels."""

    lead: str
    text: str
    extra: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    inline: bool = True
    """Whether a single extra line (the buttons) may join the first line."""

    def join(self, other: _Told) -> None:
        """The same message sent elsewhere too (its buttons as they were for any of them)."""
        self.to += [t for t in other.to if t not in self.to]
        rows = (self.extra, other.extra)
        if self.extra != other.extra and all(len(r) == 1 and _is_button_row(r[0]) for r in rows):
            labels = _BUTTON.findall(self.extra[0])
            more = [b for b in _BUTTON.findall(other.extra[0]) if b not in labels]
            self.extra = [" ".join(f"[{b}]" for b in labels + more)]

    def lines(self) -> list[str]:
        people = [t for t in self.to if not t.startswith("#")]
        places = [t for t in self.to if t.startswith("#")]
        where = "; ".join(
            part for part in ("DM to " + ", ".join(people) if people else "", *places) if part
        )
        lead = self.lead.format(to=where)
        first = f"    {lead}: {self.text}" if self.text else f"    {lead}"
        if self.extra and not self.text:
            first += ":"
        if self.inline and len(self.extra) == 1 and len(first) + len(self.extra[0]) < ONE_LINE:
            return [f"{first}  {self.extra[0]}" if self.text else f"{first} {self.extra[0]}"]
        return [first] + [f"        {line}" for line in self.extra]


@dataclass
class CompactTelling:
    standin: SlackStandIn
    names: Callable[[str], str]
    state_in: Callable[[str], CaseState | None]
    """The state of the case whose channel this is (None for other channels)."""
    cards: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    card_states: dict[tuple[str, str], CaseState | None] = field(default_factory=dict)
    versions_seen: dict[tuple[str, str], int] = field(default_factory=dict)
    dms_told: set[tuple[str, str]] = field(default_factory=set)
    """Each DM told so far, as (person, first line): a repeat is told in brief."""

    def tell(self, calls: Sequence[RecordedCall]) -> list[str]:
        for call in calls:
            if call.ok and call.method == "pins.add":
                pinned = (str(call.args.get("channel", "")), str(call.args.get("timestamp", "")))
                self.cards.setdefault(pinned, [])
        told: list[_Told] = []
        grouped: dict[tuple[str, str], _Told] = {}
        for call, passed in self._without_passing_updates(_side_by_side_in_order(calls)):
            for item in self._one(call, passed):
                if item.to:
                    if (item.lead, item.text) in grouped:
                        grouped[(item.lead, item.text)].join(item)
                        continue
                    grouped[(item.lead, item.text)] = item
                told.append(item)
        return [line for item in self._repeats_in_brief(told) for line in item.lines()]

    def _without_passing_updates(
        self, calls: Sequence[RecordedCall]
    ) -> list[tuple[RecordedCall, int]]:
        """The calls, less the updates of a message that the same step updated again: a
        message is told as the step left it. With each call, how many updates of its
        message were left out."""
        kept: list[tuple[RecordedCall, tuple[str, str] | None]] = []
        passed: dict[tuple[str, str], int] = {}
        for call in reversed(calls):
            if call.method != "chat.update" or not call.ok:
                kept.append((call, None))
                continue
            key = (str(call.args.get("channel", "")), str(call.args.get("ts", "")))
            if key in passed:
                passed[key] += 1
            else:
                passed[key] = 0
                kept.append((call, key))
        return [(call, 0 if key is None else passed[key]) for call, key in reversed(kept)]

    def _repeats_in_brief(self, told: list[_Told]) -> list[_Told]:
        """A DM someone was sent before, word for word, is told as a repeat, all such
        repeats of the step on one line."""
        out: list[_Told] = []
        again: _Told | None = None
        for item in told:
            if item.lead != POSTED or not item.to or any(t.startswith("#") for t in item.to):
                out.append(item)
                continue
            seen = [(person, item.text) in self.dms_told for person in item.to]
            self.dms_told.update((person, item.text) for person in item.to)
            if not all(seen):
                out.append(item)
            elif again is None:
                again = _Told("again, the same {to} as before", "", [], list(item.to))
                out.append(again)
            else:
                again.to += [t for t in item.to if t not in again.to]
        return out

    def _one(self, call: RecordedCall, passed: int = 0) -> list[_Told]:
        args, method = call.args, call.method
        if not call.ok:
            return [_Told(f"✗ {method} failed", str(call.error))]
        if method == "conversations.create":
            return [_Told(f"#{args.get('name')} created (private)", "")]
        if method == "conversations.invite":
            users = [self.names(u) for u in str(args.get("users", "")).split(",") if u]
            where = self.names(str(args.get("channel", "")))
            return [_Told(f"invited to #{where}", ", ".join(users))]
        if method == "conversations.archive":
            return [_Told(f"#{self.names(str(args.get('channel', '')))} archived", "")]
        if method == "chat.postMessage":
            return self._posted(args)
        if method == "chat.update":
            return self._updated(args, passed)
        if method == "chat.postEphemeral":
            lines = _rendered(args, self.names)
            who = self.names(str(args.get("user", "")))
            return [_Told(f"only {who} sees", headline(lines), self._buttons(lines))]
        if method in ("views.open", "views.push"):
            view = args.get("view") or {}
            title = view.get("title") or {} if isinstance(view, Mapping) else {}
            text = title.get("text", "") if isinstance(title, Mapping) else ""
            return [_Told(FORM_OPENS.strip().removesuffix(":"), f"“{text}”")]
        if method == "files.completeUploadExternal":
            return self._file(args)
        return []

    def _place(self, channel: str) -> str:
        """A person's name for their DM with the bot, ``#name`` for a channel."""
        name = self.names(channel)
        if channel.startswith(("U", "W")):
            return name
        if name.startswith("DM to "):
            return name.removeprefix("DM to ")
        return f"#{name}"

    def _mentions(self, text: str) -> list[str]:
        """``text`` with its mentions as names, as Slack shows it."""
        section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        return [line.removeprefix("┃").strip() for line in render_blocks([section], self.names)]

    def _buttons(self, lines: Sequence[str]) -> list[str]:
        found = buttons(lines)
        if not found:
            return []
        more = f"  (and {len(found) - BUTTONS} more)" if len(found) > BUTTONS else ""
        return [" ".join(f"[{b}]" for b in found[:BUTTONS]) + more]

    def _posted(self, args: Mapping[str, Any]) -> list[_Told]:
        channel = str(args.get("channel", ""))
        lines = _rendered(args, self.names)
        card = self._card_posted(channel, args)
        if card is not None:
            self.cards[card] = card_rows(lines)
            self.card_states[card] = self.state_in(channel)
            rows = [plain(line) for line in lines if plain(line)]
            shown = [row for row in rows if not _is_button_row(row) and not row.startswith("(")]
            offered = " ".join(f"[{label}]" for label in buttons(lines))
            where = f"#{self.names(channel)}, the case card, pinned"
            return [_Told(where, "", [f"│ {row}" for row in [*shown, offered]], inline=False)]
        return [_Told(POSTED, headline(lines), self._buttons(lines), [self._place(channel)])]

    def _card_posted(self, channel: str, args: Mapping[str, Any]) -> tuple[str, str] | None:
        for key in self.cards:
            if key[0] != channel or self.cards[key]:
                continue
            message = self.standin.find_message(*key)
            if message is None:
                continue
            first = message.history[0]["blocks"] if message.history else message.blocks
            if first == args.get("blocks"):
                return key
        return None

    def _updated(self, args: Mapping[str, Any], passed: int) -> list[_Told]:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        lines = _rendered(args, self.names)
        if key in self.cards:
            return self._card_changed(key, lines)
        changed = what_changed(self._version_before(key, args, passed), lines)
        if changed is None:
            return []
        return [_Told("{to} updated", changed, [], [self._place(key[0])])]

    def _version_before(
        self, key: tuple[str, str], args: Mapping[str, Any], passed: int
    ) -> list[str]:
        """The message as it read before this update and the ``passed`` ones before it
        (the stand-in keeps every version)."""
        message = self.standin.find_message(*key)
        if message is None:
            return []
        versions = [v["blocks"] for v in message.history] + [message.blocks]
        start = self.versions_seen.get(key, 0) + 1
        for index in range(start, len(versions)):
            if versions[index] == args.get("blocks"):
                self.versions_seen[key] = index
                previous = {"blocks": versions[max(index - 1 - passed, 0)], "text": ""}
                return _rendered(previous, self.names)
        return []

    def _card_changed(self, key: tuple[str, str], lines: list[str]) -> list[_Told]:
        """The card's changed rows, when a row's state or the stage changed (the card
        also changes as answers come in and days go by: that is left untold)."""
        state, was = self.state_in(key[0]), self.card_states.get(key)
        rows = card_rows(lines)
        before = self.cards.get(key, [])
        self.cards[key] = rows
        if state == was:
            return []
        self.card_states[key] = state
        changed = [row for row in rows if row not in before]
        kept = {_row_key(row) for row in changed}
        gone = [row for row in before if row not in rows and _row_key(row) not in kept]
        if changed:
            gone = [f"(off the card: {row})" for row in gone]
        where = f"#{self.names(key[0])}"
        if state is not None and was is not None and state.stage != was.stage and rows:
            lead = f"{where}, the case card at its new stage"
            shown = _at_most([r for r in changed if r != rows[0]], STAGE_ROWS)
            return [_Told(lead, rows[0], shown, inline=False)]
        if not changed and not gone:
            return []
        lead = f"{where}, the case card now reads" if changed else f"{where}, off the case card"
        return [_Told(lead, "", _at_most(changed + gone, CARD_ROWS))]

    def _file(self, args: Mapping[str, Any]) -> list[_Told]:
        files = args.get("files") or []
        titles = ", ".join(
            str(f.get("title", f.get("id"))) for f in files if isinstance(f, Mapping)
        )
        place = self._place(str(args.get("channel_id", "")))
        comment = str(args.get("initial_comment") or "").splitlines()
        said = [headline(self._mentions(line)) for line in comment[:COMMENT_LINES]]
        return [_Told("file shared in {to}", titles, [f"“{s}”" for s in said if s], [place], False)]


def _post_key(call: RecordedCall) -> str:
    """The key a posted-once message carries in its metadata, or "" for any other call."""
    metadata = call.args.get("metadata")
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    key = str(payload.get("key", "")) if isinstance(payload, dict) else ""
    return key if call.method == "chat.postMessage" else ""


def day_key(call: RecordedCall) -> str:
    """A message of the day's key ("today:<day>:<person>"), or "" for any other call."""
    key = _post_key(call)
    return key if key.startswith("today:") else ""


def _dm_key(call: RecordedCall) -> str:
    """The key of a posted-once DM of a batch (a set-up's, a briefing's), or ""."""
    channel = str(call.args.get("channel", ""))
    key = _post_key(call)
    return key if channel.startswith(("U", "W")) and not key.startswith("today:") else ""


def _side_by_side_in_order(calls: Sequence[RecordedCall]) -> list[RecordedCall]:
    """Messages that go out side by side, told in an order that is the same each run
    rather than whichever Slack took first: the messages of the day by day and recipient,
    and each run of a batch's DMs by key."""
    slots = [n for n, call in enumerate(calls) if day_key(call)]
    ordered = sorted((calls[n] for n in slots), key=day_key)
    out = list(calls)
    for n, call in zip(slots, ordered, strict=True):
        out[n] = call
    # each run of DMs sorted by key; a sort of any other run, keyed "", keeps its order
    runs = groupby(out, key=lambda call: bool(_dm_key(call)))
    return [call for _, run in runs for call in sorted(run, key=_dm_key)]
