"""Long-running entry points: gunicorn for HTTP, Socket Mode for councils behind a firewall."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.errors import AppImportError

from bot.logging_setup import install_scrubbing
from bot.settings import Settings, StartupError

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

APP_LOAD_ERROR = Arbiter.APP_LOAD_ERROR

ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
"""Gunicorn's access line without the query string (%(U)s is the path alone)."""


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Called in the worker (the app is not preloaded): the master holds no copy."""
        try:
            return self.factory()
        except StartupError as exc:
            raise AppImportError(f"scr-bot: {exc}") from None


class _WorkerApp:
    """What the worker builds (`bot.web.build_web_app`): the runtime, the app and, when
    embedded, the scheduler beside it (one worker, so one scheduler)."""

    def __init__(self, settings: Settings, *, scheduler: bool) -> None:
        self.settings = settings
        self.scheduler = scheduler
        self.app: Any = None

    def __call__(self) -> Any:
        from bot.web import build_web_app

        self.app = build_web_app(self.settings, scheduler=self.scheduler)
        return self.app

    def exit(self, _server: object, _worker: object) -> None:
        from bot.web import stop_draining

        stop_draining(self.app)


def serve(settings: Settings, *, scheduler: bool | None = None) -> int:
    """One gunicorn process with threads. The gunicorn master only forks and watches: the
    worker builds the app (and runs the scheduler, when embedded), so the app is in memory
    once. A reason the bot cannot start stops the server with exit status 2."""
    embedded = settings.scheduler_in_web if scheduler is None else scheduler
    app = _WorkerApp(settings, scheduler=embedded)
    options = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": 1,
        "threads": int(os.environ.get("SCR_WEB_THREADS", "8")),
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "post_worker_init": lambda _worker: install_scrubbing(),
        "worker_exit": app.exit,
    }
    master = os.getpid()
    try:
        _Gunicorn(app, options).run()
    except SystemExit as exc:
        if exc.code == APP_LOAD_ERROR and os.getpid() == master:
            return 2  # the worker said why (on stderr) and gunicorn stopped
        raise
    return 0


def socket_mode(settings: Settings) -> int:
    """`scr-bot socket`: answers Slack over Socket Mode until SIGTERM (a deploy, a restart)
    or Ctrl-C, which stops it as SIGTERM stops `serve`: no envelope more, no tick or job
    more claimed, and the jobs running finished (`Runtime.stopping`)."""
    from bot.app import create_app
    from bot.runtime import build_runtime, settle_heap

    if settings.slack_app_token is None:
        raise StartupError("SLACK_APP_TOKEN (xapp-...) is needed for Socket Mode")
    runtime = build_runtime(settings)
    from bot.jobs.worker import start_web_draining

    runtime.stop_on_signals()
    stop = start_web_draining(runtime, scheduler=settings.scheduler_in_web)
    try:
        token = settings.slack_app_token.get_secret_value()
        handler = socket_mode_handler(runtime, create_app(runtime), token)
        handler.connect()  # type: ignore[no-untyped-call]
        settle_heap()
        log.info("connected to Slack over Socket Mode")
        try:
            runtime.wait_until_stopping()
        finally:
            handler.close()  # type: ignore[no-untyped-call]
    finally:
        stop()
    log.info("socket mode stopped")
    return 0


def socket_mode_handler(runtime: Runtime, app: App, app_token: str) -> SocketModeHandler:
    """Bolt's Socket Mode handler, counting each envelope in `Runtime.answering` while it is
    answered, as `POST /slack/events` counts a request, so that the embedded scheduler's
    drain lets it go first here too."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.socket_mode.builtin.client import SocketModeClient
    from slack_sdk.socket_mode.request import SocketModeRequest

    class Counted(SocketModeHandler):
        def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
            with runtime.answering.request():
                super().handle(client, req)

    return Counted(app, app_token)
