"""Gunicorn settings for the Procfile's `web` process: access lines carry the path without
its query string, and every log handler gunicorn makes passes the bot's scrubbing filter."""

from bot.logging_setup import install_scrubbing
from bot.server import ACCESS_LOG_FORMAT

access_log_format = ACCESS_LOG_FORMAT


def post_worker_init(worker: object) -> None:
    install_scrubbing()
