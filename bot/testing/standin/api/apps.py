"""apps.connections.open: a one-use Socket Mode URL for an app-level token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..args import Args, SlackError
from ..models import JSON
from ..workspace import Workspace

if TYPE_CHECKING:
    from . import Handler


def connections_open(ws: Workspace, a: Args) -> JSON:
    if ws.socket_url is None:
        raise SlackError("internal_error")
    return {"url": ws.socket_url()}


HANDLERS: dict[str, Handler] = {
    "apps.connections.open": connections_open,
}
