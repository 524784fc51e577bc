"""The Bolt app factory: nothing happens at import time."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltResponse

from bot.handlers import after_report, commands, first_month, local_review, referral, reminders
from bot.handlers import decision as decision_handlers
from bot.handlers import monitoring as monitoring_handlers
from bot.handlers import national_panel as national_panel_handlers
from bot.handlers import panel as panel_handlers
from bot.handlers import partners as partners_handlers
from bot.handlers import review as review_handlers
from bot.handlers.adapter import stamp_arrival
from bot.runtime import Runtime
from bot.slack_identity import BotIdentity

log = logging.getLogger(__name__)

LISTENER_MODULES = (
    referral,
    reminders,
    decision_handlers,
    partners_handlers,
    review_handlers,
    local_review,
    after_report,
    first_month,
    panel_handlers,
    monitoring_handlers,
    national_panel_handlers,
)


def create_app(runtime: Runtime, *, listener_executor: Executor | None = None) -> App:
    settings = runtime.settings
    client = runtime.web_client()
    identity = BotIdentity(client, settings.slack_bot_token.get_secret_value())
    identity.warm()
    request_client = runtime.web_client()
    request_client.token = None
    app = App(
        signing_secret=settings.slack_signing_secret.get_secret_value() or "unset",
        client=request_client,
        authorize=identity.bolt_authorize(),
        listener_executor=listener_executor,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    app.use(stamp_arrival)
    router = commands.CommandRouter(runtime)
    commands.register(app, router)
    for module in LISTENER_MODULES:
        module.register(app, runtime, router)
    app.error(_on_error)
    return app


def _on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Log the failure without the payload: it may hold what a user typed about a child."""
    kind = body.get("type") or body.get("command") or "request"
    log.error("unhandled error in %s listener: %s", kind, type(error).__name__, exc_info=error)
    return BoltResponse(status=500, body="")
