"""Request signing, health, help, start-up refusals and the command line."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import inspect

from bot.cli import main
from bot.runtime import build_runtime
from bot.settings import StartupError
from bot.testing.harness import make_settings
from bot.testing.seed import seed_partnership
from storage.db import Database
from tests.flow_helpers import cases


def slack_calls(harness) -> list[str]:
    return [c.method for c in harness.standin.calls if c.method != "auth.test"]


def _command_body(user: str = "U0DPH") -> bytes:
    return urlencode(
        {
            "command": "/scr",
            "text": "refer",
            "user_id": user,
            "team_id": "T0SCR",
            "channel_id": "D0DIRECT",
            "trigger_id": "1.2.3",
            "response_url": "http://x/",
        }
    ).encode()


def test_a_forged_signature_gets_401_and_changes_nothing(harness) -> None:
    body = _command_body()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    response = harness.driver.raw(body, headers)
    harness.wait()
    assert response.status == 401
    assert slack_calls(harness) == []
    assert cases(harness) == []


def test_a_stale_timestamp_gets_401_even_when_correctly_signed(harness) -> None:
    body = _command_body()
    stale = int(time.time()) - 6 * 60
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(stale),
        "X-Slack-Signature": harness.driver.sign(body, stale),
    }
    response = harness.driver.raw(body, headers)
    harness.wait()
    assert response.status == 401
    assert slack_calls(harness) == []


def test_healthz_reports_the_database(harness) -> None:
    client = harness.flask.test_client()
    assert client.get("/healthz").status_code == 200
    reachable = harness.runtime.db
    harness.runtime.db = Database.from_url("sqlite:////nonexistent/dir/db.sqlite3")
    try:
        response = client.get("/healthz")
    finally:
        harness.runtime.db = reachable
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}


def test_help_and_unknown_subcommands_answer_ephemerally(harness) -> None:
    help_text = harness.driver.slash_command("U0DPH", "help").body.decode()
    for command in ("/scr refer", "/scr agencies", "/scr help"):
        assert command in help_text
    unknown = harness.driver.slash_command("U0DPH", "frobnicate").body.decode()
    assert "I don't know `/scr frobnicate`" in unknown
    assert "/scr refer" in unknown
    assert '"response_type": "ephemeral"' in unknown or "ephemeral" in unknown
    bare = harness.driver.slash_command("U0DPH", "").body.decode()
    assert "/scr refer" in bare


def test_agencies_are_listed_for_partnership_members_only(harness) -> None:
    listing = harness.driver.slash_command("U0DPH", "agencies").body.decode()
    for name in ("Health", "Police", "Probation", "Children", "Education"):
        assert name in listing
    assert "<@U0DPH>" in listing
    refused = harness.driver.slash_command("U0OUTSIDER", "agencies").body.decode()
    assert "Only members of the partnership" in refused


def test_the_bot_refuses_an_unmigrated_database(standin, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    with pytest.raises(StartupError, match="Run `scr-bot db upgrade` first"):
        build_runtime(make_settings(standin, url), partnership=seed_partnership())


def test_production_refuses_to_start_without_an_encryption_key(standin, database) -> None:
    settings = make_settings(standin, "sqlite://", SCR_ENCRYPTION_KEY=None)
    with pytest.raises(StartupError, match="SCR_ENCRYPTION_KEY is not set"):
        build_runtime(settings, partnership=seed_partnership(), db=database)


def test_a_missing_partnership_file_is_named(standin, database, tmp_path) -> None:
    settings = make_settings(standin, "sqlite://", SCR_CONFIG=str(tmp_path / "nope.toml"))
    with pytest.raises(StartupError, match=r"nope\.toml: cannot be read"):
        build_runtime(settings, db=database)


def test_db_upgrade_command_migrates(monkeypatch, tmp_path, capsys) -> None:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    database = Database.from_url(f"sqlite:///{path}")
    assert "cases" in inspect(database.engine).get_table_names()
    database.dispose()


def test_cli_reports_startup_problems_instead_of_a_traceback(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.delenv("SCR_CONFIG", raising=False)
    monkeypatch.setenv("SCR_ENCRYPTION_KEY", "")
    monkeypatch.chdir(tmp_path)
    assert main(["worker"]) == 2
    assert "SCR_ENCRYPTION_KEY is not set" in capsys.readouterr().err
