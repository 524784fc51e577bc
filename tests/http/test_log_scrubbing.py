"""No log line, from any logger, carries a referral's personal data: every failure path is
run at DEBUG with the scrubbing filter on the handler, as at start-up, and the captured text
is searched for each identifying value."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bot.logging_setup import REDACTOR, Redactor, Scrubber, install_scrubbing
from tests.flow_helpers import agency_id, body_json, open_referral_modal, refer
from tests.referral.data import CHILD_NAME, IDENTIFYING, referral_values

LIBRARIES = ("slack_bolt", "slack_sdk", "sqlalchemy", "urllib3", "werkzeug", "bot", "storage")


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What a log handler installed as at start-up writes, everything at DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    old_root = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    install_scrubbing()
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_root)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _assert_clean(stream: io.StringIO) -> str:
    captured = stream.getvalue()
    assert captured, "nothing was logged: the test would prove nothing"
    for value in IDENTIFYING:
        assert value.casefold() not in captured.casefold(), value
    return captured


def _referral_body(harness, view_id: str, user: dict | None) -> bytes:
    view = harness.standin.views[view_id]
    payload = {
        "type": "view_submission",
        "team": {"id": harness.standin.team_id},
        "view": {
            "id": view_id,
            "callback_id": view.callback_id,
            "private_metadata": "",
            "state": {"values": referral_values(agency_id(harness, "Health"))},
        },
    }
    if user is not None:
        payload["user"] = user
    return urlencode({"payload": json.dumps(payload)}).encode()


def _signed(harness, body: bytes) -> dict[str, str]:
    now = int(time.time())
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": harness.driver.sign(body, now),
    }


def test_a_bad_signature_on_a_referral_logs_none_of_it(harness, written) -> None:
    view_id = open_referral_modal(harness)
    body = _referral_body(harness, view_id, {"id": "U0DPH"})
    for headers in (
        {**_signed(harness, body), "X-Slack-Signature": "v0=" + "0" * 64},
        {**_signed(harness, body), "X-Slack-Request-Timestamp": str(int(time.time()) - 900)},
    ):
        assert harness.driver.raw(body, headers).status == 401
    assert "signature or timestamp not valid" in _assert_clean(written)


@pytest.mark.parametrize(
    "user", [None, {"id": 42}, {"name": "no id"}], ids=["no-user", "numeric", "no-id"]
)
def test_a_malformed_referral_logs_none_of_it(harness, written, user) -> None:
    view_id = open_referral_modal(harness)
    body = _referral_body(harness, view_id, user)
    response = harness.driver.raw(body, _signed(harness, body))
    harness.wait()
    assert response.status < 500
    _assert_clean(written)


def test_slack_failing_during_set_up_logs_none_of_the_referral(harness, written) -> None:
    for method in ("conversations.create", "chat.postMessage", "conversations.invite"):
        harness.standin.fail(method, status=500, times=20)
    refer(harness)
    harness.standin.clear_faults()
    view_id = open_referral_modal(harness)
    for method in ("conversations.create", "conversations.invite", "chat.postMessage"):
        harness.standin.fail(method, error="fatal_error", status=200, times=10)
    harness.driver.submit_view(
        "U0DPH", referral_values(agency_id(harness, "Health")), view_id=view_id
    )
    harness.wait()
    assert "fatal_error" in _assert_clean(written)


def test_a_database_failure_as_a_referral_is_kept_logs_none_of_it(harness, written) -> None:
    view_id = open_referral_modal(harness)
    with harness.runtime.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE received_referrals"))
    harness.driver.submit_view(
        "U0DPH", referral_values(agency_id(harness, "Health")), view_id=view_id
    )
    harness.wait()
    captured = _assert_clean(written)
    assert "OperationalError" in captured
    # With its database broken the bot answers 500, as it should: Slack tells the referrer
    # that it failed, and nothing was stored.
    assert harness.standin.violations == ["view_submission referral_submit answered HTTP 500: "]
    harness.standin.violations.clear()


def test_a_database_failure_as_a_case_opens_logs_none_of_it(harness, written) -> None:
    view_id = open_referral_modal(harness)
    with harness.runtime.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_events"))
    response = harness.driver.submit_view(
        "U0DPH", referral_values(agency_id(harness, "Health")), view_id=view_id
    )
    harness.wait()
    # the referral was kept and answered; its opening failed, to be tried again
    assert "Referral received" in str(body_json(response)["view"])
    captured = _assert_clean(written)
    assert "could not be opened as a case yet (OperationalError)" in captured


def test_values_the_bot_encrypted_are_redacted_from_any_line() -> None:
    redactor = Redactor()
    scrubber = Scrubber(redactor)
    redactor.register({"child_name": CHILD_NAME, "dob": "2019-03-14", "answer": "never"})
    redactor.register_words(["Quillfeather"])
    record = logging.LogRecord(
        "somelib", logging.INFO, __file__, 1, "saw %s born %s", (CHILD_NAME, "14.03.19"), None
    )
    scrubber.filter(record)
    assert record.getMessage() == "saw [redacted] born [redacted]"
    surname = logging.LogRecord("x", logging.INFO, __file__, 1, "quillfeather again", (), None)
    scrubber.filter(surname)
    assert "quillfeather" not in surname.getMessage()
    common = logging.LogRecord("x", logging.INFO, __file__, 1, "Never again", (), None)
    scrubber.filter(common)
    assert common.getMessage() == "Never again"


def test_a_slack_body_in_a_library_line_is_removed_whole() -> None:
    scrubber = Scrubber(Redactor())
    record = logging.LogRecord(
        "slack_bolt", logging.DEBUG, __file__, 1, "body: payload=%7B%22type%22...", (), None
    )
    scrubber.filter(record)
    assert "payload" not in record.getMessage()


def test_an_outside_exceptions_message_is_withheld_but_its_frames_kept() -> None:
    scrubber = Scrubber(Redactor())
    typed = "Not A Number"
    try:
        int(typed)
    except ValueError as exc:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), (type(exc), exc, exc.__traceback__)
        )
    scrubber.filter(record)
    assert record.exc_text is not None
    assert "Not A Number" not in record.exc_text
    assert "ValueError: (message withheld)" in record.exc_text
    assert "test_log_scrubbing.py" in record.exc_text


def test_the_process_register_is_the_one_the_cipher_fills(harness) -> None:
    refer(harness)
    assert "[redacted]" in REDACTOR.scrub(CHILD_NAME)


def test_many_values_words_phrases_and_possessives_are_all_found() -> None:
    redactor = Redactor()
    for n in range(3000):
        redactor.register({"name": f"Person{n} Surname{n}", "address": f"{n} Long Road, Town"})
        redactor.register_words([f"Person{n}"])
    redactor.register({"child_name": CHILD_NAME, "address": "14 Larkspur Gardens, Oldtown"})
    redactor.register_words(["Quillfeather"])
    line = (
        "Jamie Quillfeather's file; seen at 14 Larkspur Gardens, Oldtown; "
        "also person2999 and 2990 Long Road, Town; the panel met."
    )
    assert redactor.scrub(line) == (
        "[redacted] file; seen at [redacted]; also [redacted] and [redacted]; the panel met."
    )
    assert "Person0" in redactor.scrub("Person0 was forgotten: the register keeps the newest")
