"""Gunicorn settings for the Procfile's `web` process: access lines carry the path without
its query string, every log handler gunicorn makes passes the bot's scrubbing filter, and a
worker stopping lets the referrals it is setting up finish."""

from bot.logging_setup import install_scrubbing
from bot.server import ACCESS_LOG_FORMAT

access_log_format = ACCESS_LOG_FORMAT


def post_worker_init(worker: object) -> None:
    install_scrubbing()


def worker_exit(server: object, worker: object) -> None:
    from bot.web import stop_draining  # in the worker: the master never loads the app

    stop_draining(getattr(worker, "wsgi", None))
