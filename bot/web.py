"""The HTTP front: `POST /slack/events`, `GET /healthz` and the web case room under `/portal/`
(gunicorn serves `create_wsgi_app()`)."""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, request
from slack_bolt import App
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_sdk.signature import SignatureVerifier

from bot import inbound
from bot.portal.app import register_portal
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)


def create_flask_app(runtime: Runtime, bolt_app: App) -> Flask:
    flask_app = Flask("scr-bot")
    flask_app.config["MAX_CONTENT_LENGTH"] = inbound.MAX_BODY_BYTES
    verifier = SignatureVerifier(
        runtime.settings.slack_signing_secret.get_secret_value() or "unset"
    )

    @flask_app.post("/slack/events")
    def slack_events() -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        checked = inbound.check(
            verifier, request.get_data(cache=True), headers, request.content_type or ""
        )
        if isinstance(checked, inbound.Refusal):
            inbound.log_refusal(checked)
            return Response(status=checked.status)
        query = request.query_string.decode("utf-8")
        with runtime.answering.request():
            answer = bolt_app.dispatch(inbound.bolt_request(checked, query, headers))
        return to_flask_response(answer)

    @flask_app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        if runtime.db.ping():
            return {"status": "ok", "database": "reachable"}, 200
        return {"status": "error", "database": "unreachable"}, 503

    register_portal(flask_app, runtime)
    return flask_app


def create_wsgi_app() -> Flask:
    """Entry point for gunicorn: `gunicorn 'bot.web:create_wsgi_app()'`. Its drain is
    stopped by gunicorn's `worker_exit` (gunicorn.conf.py), the referrals being set up
    finished first."""
    from bot.logging_setup import configure_logging
    from bot.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level)
    flask_app = build_web_app(settings, scheduler=False)
    log.info("web worker ready (pid %s)", os.getpid())
    return flask_app


def build_web_app(settings: Settings, *, scheduler: bool) -> Flask:
    """What a gunicorn worker serves: the runtime, the app, and what its process drains
    (everything, with the embedded scheduler; else the referrals waiting), to be stopped
    by `stop_draining`; then the start-up heap settled (`settle_heap`)."""
    from bot.app import create_app
    from bot.jobs.worker import start_web_draining
    from bot.runtime import build_runtime, settle_heap

    runtime = build_runtime(settings)
    flask_app = create_flask_app(runtime, create_app(runtime))
    flask_app.extensions[STOP] = start_web_draining(runtime, scheduler=scheduler)
    settle_heap()
    return flask_app


STOP = "scr_bot.stop"
"""Where a web app keeps how to stop what its process drains (`Flask.extensions`)."""


def stop_draining(app: object) -> None:
    """gunicorn's `worker_exit`: the process's drain stopped, its running jobs finished."""
    stop = getattr(app, "extensions", {}).get(STOP)
    if stop is not None:
        stop()
