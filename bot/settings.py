"""Runtime settings, read from the environment (and a `.env` file in development)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.crypto import EncryptionKeyError, parse_master_keys

DEFAULT_DATABASE_URL = "sqlite:///scr-bot.sqlite3"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
SLACK_AUTHORIZE_URL = "https://slack.com/openid/connect/authorize"


class StartupError(RuntimeError):
    """A reason the bot refuses to start, worded for the person starting it. Defined here,
    beside the settings, so that the CLI (and `scr-bot serve`'s gunicorn master, which only
    forks and watches) can catch it without loading the app."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    slack_bot_token: SecretStr = Field(default=SecretStr(""), alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr = Field(default=SecretStr(""), alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="SLACK_API_URL")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    port: int = Field(default=3000, alias="PORT")
    encryption_key: SecretStr | None = Field(default=None, alias="SCR_ENCRYPTION_KEY")
    config_path: Path | None = Field(default=None, alias="SCR_CONFIG")
    environment: Literal["production", "development"] = Field(default="production", alias="SCR_ENV")
    run_scheduler_in_web: bool | None = Field(default=None, alias="SCR_SCHEDULER_IN_WEB")
    slack_timeout_seconds: int = Field(default=10, alias="SCR_SLACK_TIMEOUT")
    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, alias="SMTP_PORT")
    smtp_user: str | None = Field(default=None, alias="SMTP_USER")
    smtp_password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_from: str | None = Field(default=None, alias="SMTP_FROM")
    smtp_starttls: bool = Field(default=True, alias="SMTP_STARTTLS")
    imap_host: str | None = Field(default=None, alias="IMAP_HOST")
    imap_port: int = Field(default=993, alias="IMAP_PORT")
    imap_user: str | None = Field(default=None, alias="IMAP_USER")
    imap_password: SecretStr | None = Field(default=None, alias="IMAP_PASSWORD")
    imap_folder: str = Field(default="INBOX", alias="IMAP_FOLDER")
    imap_processed_folder: str = Field(default="Processed", alias="IMAP_PROCESSED_FOLDER")
    imap_ssl: bool = Field(default=True, alias="IMAP_SSL")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    slack_client_id: str = Field(default="", alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr = Field(default=SecretStr(""), alias="SLACK_CLIENT_SECRET")
    public_url: str | None = Field(default=None, alias="SCR_PUBLIC_URL")
    session_secret: SecretStr | None = Field(default=None, alias="SCR_SESSION_SECRET")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """The web case room's address as people reach it: http(s), no trailing slash."""
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("SCR_PUBLIC_URL must be an http(s) address, e.g. https://scr.example")
        return value.strip().rstrip("/")

    @field_validator("encryption_key")
    @classmethod
    def _master_keys(cls, value: SecretStr | None) -> SecretStr | None:
        """One Fernet key, or several comma-separated, newest first (the first encrypts, all
        decrypt: see `scr-bot keys rotate`). Errors name the key's position, never the key."""
        if value is None or not value.get_secret_value().strip():
            return value
        try:
            keys = parse_master_keys(value.get_secret_value())
        except EncryptionKeyError as exc:
            raise ValueError(str(exc)) from None
        return SecretStr(",".join(key.decode("ascii") for key in keys))

    @property
    def slack_api_base_url(self) -> str:
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"

    @property
    def portal_enabled(self) -> bool:
        """The web case room is served when it has an address and a Slack app to sign in with."""
        return bool(self.public_url and self.slack_client_id)

    @property
    def oidc_authorize_url(self) -> str:
        """Slack's Sign in with Slack page; with SLACK_API_URL pointed elsewhere (the stand-in),
        the same path on that host."""
        parts = urlsplit(self.slack_api_url)
        if parts.hostname in (None, "slack.com"):
            return SLACK_AUTHORIZE_URL
        return f"{parts.scheme}://{parts.netloc}/openid/connect/authorize"

    @property
    def reads_calendar_replies(self) -> bool:
        """Answers to the e-mailed invitations are read from a mailbox when IMAP is set."""
        return bool(self.imap_host and self.imap_user and self.imap_password)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def scheduler_in_web(self) -> bool:
        """The embedded default (SQLite) runs the scheduler in the web process unless told not."""
        if self.run_scheduler_in_web is not None:
            return self.run_scheduler_in_web
        return self.is_sqlite
