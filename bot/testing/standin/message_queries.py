"""Reading the conversations back: messages, DMs, ephemerals, scheduled messages."""

from __future__ import annotations

from .models import JSON, HookPost, Message, ScheduledMessage
from .workspace import Workspace


class MessageQueries:
    _ws: Workspace

    def im_with(self, user_id: str) -> str:
        with self._ws.lock:
            return self._ws.im_for(user_id)

    def messages_in(self, channel_id: str) -> list[Message]:
        with self._ws.lock:
            return list(self._ws.messages.get(channel_id, []))

    def dms_to(self, user_id: str) -> list[Message]:
        with self._ws.lock:
            im = self._ws.ims.get(user_id)
            return list(self._ws.messages.get(im, [])) if im else []

    def ephemerals_for(self, user_id: str) -> list[Message]:
        with self._ws.lock:
            return [m for m in self._ws.ephemerals if m.visible_to == user_id]

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        return self._ws.find_message(channel_id, ts)

    def post_as_user(self, user_id: str, channel_id: str, text: str) -> Message:
        """A message a person typed (for driving ``message`` events)."""
        with self._ws.lock:
            return self._ws.add_message(Message(channel_id, self._ws.new_ts(), user_id, text))

    @property
    def pins(self) -> dict[str, list[str]]:
        return self._ws.pins

    @property
    def bookmarks(self) -> dict[str, dict[str, JSON]]:
        return self._ws.bookmarks

    @property
    def scheduled(self) -> dict[str, ScheduledMessage]:
        return self._ws.scheduled

    def deliver_scheduled(self, now: float | None = None) -> list[Message]:
        """Post every scheduled message that is due by ``now`` (default: the wall clock)."""
        cutoff = self._ws.wall() if now is None else now
        with self._ws.lock:
            due = [s for s in self._ws.scheduled.values() if s.post_at <= cutoff]
            posted = []
            for s in sorted(due, key=lambda s: s.post_at):
                del self._ws.scheduled[s.id]
                message = Message(
                    s.channel, self._ws.new_ts(), self._ws.bot_user_id, s.text, s.blocks
                )
                message.thread_ts = s.thread_ts
                posted.append(self._ws.add_message(message))
            return posted

    @property
    def hook_posts(self) -> list[HookPost]:
        return self._ws.hook_posts

    def response_url_for(self, user_id: str, channel_id: str, message_ts: str | None = None) -> str:
        with self._ws.lock:
            return self._ws.issue_response_url(user_id, channel_id, message_ts)

    def find_any_message(self, ts: str, channel_id: str | None = None) -> Message | None:
        """A message (or ephemeral) by ts, in ``channel_id`` or anywhere."""
        with self._ws.lock:
            everywhere = [m for ms in self._ws.messages.values() for m in ms]
            for message in everywhere + self._ws.ephemerals:
                if message.ts == ts and channel_id in (None, message.channel):
                    return message
            return None

    def messages_seen_by(self, user_id: str) -> list[Message]:
        """What ``user_id`` can see, oldest first: their channels, their DM, ephemerals."""
        with self._ws.lock:
            seen = [
                m
                for c in self._ws.channels.values()
                if user_id in c.members
                for m in self._ws.messages.get(c.id, [])
            ]
            seen += self._ws.messages.get(self._ws.ims.get(user_id, ""), [])
            seen += [m for m in self._ws.ephemerals if m.visible_to == user_id]
            return sorted(seen, key=lambda m: float(m.ts))
