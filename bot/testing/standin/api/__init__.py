"""Web API method implementations, one module per family of methods."""

from __future__ import annotations

from collections.abc import Callable

from ..args import Args
from ..models import JSON
from ..workspace import Workspace

Handler = Callable[[Workspace, Args], JSON]


def all_handlers() -> dict[str, Handler]:
    from . import apps, chat, conversations, directory, files, items, openid, views

    handlers: dict[str, Handler] = {}
    for module in (apps, chat, conversations, directory, files, items, openid, views):
        handlers.update(module.HANDLERS)
    return handlers
