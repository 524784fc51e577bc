"""Long-running entry points: gunicorn for HTTP, Socket Mode for councils behind a firewall."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.logging_setup import install_scrubbing
from bot.settings import Settings

ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
"""Gunicorn's access line without the query string (%(U)s is the path alone)."""


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def serve(settings: Settings, *, scheduler: bool | None = None) -> int:
    """One gunicorn process with threads; the scheduler, when embedded, runs beside it once."""
    from bot.app import create_app
    from bot.runtime import build_runtime
    from bot.web import create_flask_app

    runtime = build_runtime(settings)
    flask_app = create_flask_app(runtime, create_app(runtime))
    embedded = settings.scheduler_in_web if scheduler is None else scheduler
    stop = None
    if embedded:
        from bot.jobs.worker import start_background_scheduler

        stop = start_background_scheduler(runtime)
    options = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": 1,
        "threads": int(os.environ.get("SCR_WEB_THREADS", "8")),
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "post_fork": lambda _server, _worker: runtime.db.engine.dispose(close=False),
        "post_worker_init": lambda _worker: install_scrubbing(),
    }
    try:
        _Gunicorn(flask_app, options).run()
    finally:
        if stop is not None:
            stop()
    return 0


def socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.runtime import StartupError, build_runtime

    if settings.slack_app_token is None:
        raise StartupError("SLACK_APP_TOKEN (xapp-...) is needed for Socket Mode")
    runtime = build_runtime(settings)
    stop = None
    if settings.scheduler_in_web:
        from bot.jobs.worker import start_background_scheduler

        stop = start_background_scheduler(runtime)
    try:
        handler = SocketModeHandler(
            create_app(runtime), settings.slack_app_token.get_secret_value()
        )
        handler.start()  # type: ignore[no-untyped-call]
    finally:
        if stop is not None:
            stop()
    return 0
