"""Requests that are not Slack's, or not of Slack's shape, are answered at the door: 401 for
signatures, 400 for shape, 413 for size; nothing reaches a listener, Slack or the database,
and the log says why in one line without the body."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import inbound
from storage.models import AuditEvent, Case
from tests.flow_helpers import agency_id, body_json, open_referral_modal
from tests.referral.data import referral_values

FORM = "application/x-www-form-urlencoded"
CHILD = "Zebedee Quinlan-Marsh"


def _signed(harness, body: bytes, content_type: str = FORM) -> dict[str, str]:
    now = int(time.time())
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": harness.driver.sign(body, now),
    }


def _nothing_happened(harness) -> None:
    harness.wait()
    assert [c.method for c in harness.standin.calls if c.method != "auth.test"] == []
    with harness.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def _payload(value: object) -> bytes:
    raw = value if isinstance(value, str) else json.dumps(value)
    return urlencode({"payload": raw}).encode()


def test_a_timestamp_that_is_not_a_number_gets_401(harness) -> None:
    body = urlencode({"command": "/scr", "text": "help", "user_id": "U0DPH"}).encode()
    headers = {**_signed(harness, body), "X-Slack-Request-Timestamp": "abc"}
    assert harness.driver.raw(body, headers).status == 401
    _nothing_happened(harness)


def test_a_refused_signature_never_logs_what_the_body_says(harness, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    body = urlencode({"payload": json.dumps({"type": "view_submission", "child": CHILD})})
    headers = {**_signed(harness, body.encode()), "X-Slack-Signature": "v0=" + "1" * 64}
    assert harness.driver.raw(body.encode(), headers).status == 401
    _nothing_happened(harness)
    assert CHILD not in caplog.text
    assert "Zebedee" not in caplog.text
    assert "signature or timestamp not valid" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        _payload("not json"),
        _payload(""),
        _payload("null"),
        _payload([1, 2]),
        _payload("a string"),
        _payload(42),
        _payload({"type": "something_else"}),
        _payload("[" * 5000 + "]" * 5000),
        urlencode({"text": "help"}).encode(),
        b"\xff\xfe not utf-8",
    ],
    ids=[
        "not-json",
        "empty",
        "null",
        "list",
        "string",
        "number",
        "unknown-type",
        "deeply-nested",
        "command-without-command",
        "not-utf8",
    ],
)
def test_a_body_that_is_not_slacks_shape_gets_400(harness, body: bytes, caplog) -> None:
    response = harness.driver.raw(body, _signed(harness, body))
    assert response.status == 400
    _nothing_happened(harness)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "event",
    [{"type": "event_callback", "event": None}, {"type": "event_callback"}, [], None],
    ids=["null-event", "no-event", "list", "null"],
)
def test_an_events_body_that_is_not_slacks_shape_gets_400(harness, event: object) -> None:
    body = json.dumps(event).encode()
    response = harness.driver.raw(body, _signed(harness, body, "application/json"))
    assert response.status == 400
    _nothing_happened(harness)


def test_a_body_of_a_megabyte_gets_413(harness, caplog) -> None:
    body = _payload({"type": "block_actions", "filler": "x" * 1_000_000})
    response = harness.driver.raw(body, _signed(harness, body))
    assert response.status == 413
    _nothing_happened(harness)
    assert "Traceback" not in caplog.text


def test_a_well_formed_request_still_goes_through(harness) -> None:
    response = harness.driver.slash_command("U0DPH", "help")
    assert response.status == 200
    assert "/scr refer" in response.text


def test_a_submission_is_decoded_once_and_bolt_still_checks_its_signature(
    harness, monkeypatch
) -> None:
    """A referral's submission is tens of kilobytes of percent-encoded JSON: the door decodes
    it (in C, `inbound.decode_form`) and hands Bolt the result, rather than Bolt decoding it
    a second time."""
    import slack_bolt.request.request as bolt_request
    from slack_sdk.signature import SignatureVerifier

    parsed: list[str | None] = []
    checked: list[str] = []
    real_parse, real_check = bolt_request.parse_body, SignatureVerifier.is_valid

    def parse_body(body: str, content_type: str | None) -> dict[str, object]:
        parsed.append(content_type)
        return real_parse(body, content_type)

    def is_valid(
        self: SignatureVerifier, body: str | bytes, timestamp: str, signature: str
    ) -> bool:
        checked.append(body.decode() if isinstance(body, bytes) else body)
        return real_check(self, body, timestamp, signature)

    decoded_by_parse_qs: list[str] = []

    def parse_qs(text: str, **options: bool) -> dict[str, list[str]]:
        decoded_by_parse_qs.append(text)
        return urllib.parse.parse_qs(text, **options)

    monkeypatch.setattr(bolt_request, "parse_body", parse_body)
    monkeypatch.setattr(SignatureVerifier, "is_valid", is_valid)
    monkeypatch.setattr(inbound, "parse_qs", parse_qs)
    view, health = open_referral_modal(harness), agency_id(harness, "Health")
    parsed.clear()
    checked.clear()
    decoded_by_parse_qs.clear()
    response = harness.driver.submit_view("U0DPH", referral_values(health), view_id=view)
    assert body_json(response)["response_action"] == "update"
    assert parsed == []
    assert decoded_by_parse_qs == [], "the payload is decoded in C, not by parse_qs"
    # the door's check and Bolt's, both of the body as sent
    assert len(checked) == 2 and checked[0] == checked[1] and checked[0].startswith("payload=")


@given(st.text())
def test_a_payload_is_decoded_exactly_as_parse_qs_decodes_it(value: str) -> None:
    body = urlencode({"payload": value})
    assert inbound.decode_form(body) == {"payload": [value]}
    assert inbound.decode_form(body) == urllib.parse.parse_qs(body, keep_blank_values=True)


@given(st.text(alphabet=st.sampled_from("payload=&%+ 0123456789abcdefABCDEF\n\r\té€\x00")))
def test_any_body_is_decoded_exactly_as_parse_qs_decodes_it(body: str) -> None:
    """Malformed escapes, stray signs, white space, other fields, raw non-ASCII: the same
    fields as `parse_qs` gives, whichever decoder reads them."""
    for text in (body, "payload=" + body):
        assert inbound.decode_form(text) == urllib.parse.parse_qs(text, keep_blank_values=True)


@given(
    st.lists(
        st.one_of(
            st.integers(0, 255).map(lambda n: f"%{n:02X}"),
            st.integers(0, 255).map(lambda n: f"%{n:02x}"),
            st.sampled_from(list("ab+~-._*")),
        )
    )
)
def test_escaped_bytes_that_are_not_utf_8_are_replaced_as_parse_qs_replaces_them(
    parts: list[str],
) -> None:
    text = "payload=" + "".join(parts)
    assert inbound.decode_form(text) == urllib.parse.parse_qs(text, keep_blank_values=True)
