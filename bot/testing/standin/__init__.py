"""A local Slack stand-in for tests and ``scr-bot demo``.

``SlackStandIn`` serves Slack's Web API on 127.0.0.1 and holds callers to the
documented arguments, error codes and Block Kit limits in ``slack_api_ref``.
"""

from .dispatch import methods_served
from .models import (
    Channel,
    HookPost,
    Message,
    RecordedCall,
    ScheduledMessage,
    StoredFile,
    User,
    View,
)
from .standin import SlackStandIn

__all__ = [
    "Channel",
    "HookPost",
    "Message",
    "RecordedCall",
    "ScheduledMessage",
    "SlackStandIn",
    "StoredFile",
    "User",
    "View",
    "methods_served",
]
