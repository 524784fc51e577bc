"""Regressions for the malformed requests of issue 12 that tests/http/test_inbound.py does not
already hold: each validly signed, each answered without a 5xx or a traceback, and nothing
stored from the ones refused."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.ids import INPUT_ACTION, Action, DecisionCallback, FirstMonthAction, ReferralBlock
from bot.testing.harness import Harness
from storage.models import Base, Case
from tests.flow_helpers import agency_id, open_referral_modal, refer
from tests.referral.data import referral_values

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def _debug_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def _rows(harness: Harness) -> dict[str, int]:
    with harness.runtime.db.session() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _send(harness: Harness, body: bytes, content_type: str = FORM) -> int:
    now = int(time.time())
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": harness.driver.sign(body, now),
    }
    status = harness.driver.raw(body, headers).status
    harness.wait()
    return status


def _interaction(harness: Harness, payload: Any) -> int:
    return _send(harness, urlencode({"payload": json.dumps(payload)}).encode())


def _clean(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


def _submission(harness: Harness, user: str | None, view: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": "T0SCR", "domain": "scr"},
        "api_app_id": "A0SCRBOT",
        "trigger_id": harness.standin.issue_trigger_id(),
        "view": view,
    }
    if user is not None:
        payload["user"] = {"id": user, "team_id": "T0SCR"}
    return payload


def _referral_view(harness: Harness, view_id: str, state: Any) -> dict[str, Any]:
    view = harness.standin.views[view_id]
    return {
        "id": view_id,
        "type": "modal",
        "callback_id": view.callback_id,
        "private_metadata": view.private_metadata,
        "hash": "h",
        "state": {"values": state},
    }


def _referral_state(harness: Harness, **elements: dict[str, Any]) -> dict[str, Any]:
    """A complete referral's state, with some inputs' elements replaced as given."""
    values = referral_values(agency_id(harness, "Health"))
    state: dict[str, Any] = {}
    for block, answer in values.items():
        value = answer[INPUT_ACTION]
        if block in (ReferralBlock.CRITERIA,):
            element = {"type": "checkboxes", "selected_options": [{"value": v} for v in value]}
        elif block in (ReferralBlock.AGENCY, ReferralBlock.CP_PLAN, ReferralBlock.OTHER_CHILDREN):
            element = {"type": "static_select", "selected_option": {"value": value}}
        elif block.endswith("date") or block == ReferralBlock.CHILD_DOB:
            element = {"type": "datepicker", "selected_date": value}
        else:
            element = {"type": "plain_text_input", "value": value}
        state[block] = {INPUT_ACTION: elements.get(block, element)}
    return state


# View submissions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "view"),
    [
        (None, {"id": "V1", "type": "modal", "callback_id": "referral_submit"}),
        ("U0DPH", "a string view"),
        ("U0DPH", ["a", "list"]),
    ],
    ids=["no-user", "string-view", "list-view"],
)
def test_a_submission_without_a_user_or_a_view_object_gets_400(
    harness: Harness, caplog: pytest.LogCaptureFixture, user: str | None, view: Any
) -> None:
    before = _rows(harness)
    assert _interaction(harness, _submission(harness, user, view)) == 400
    assert _rows(harness) == before
    _clean(caplog)


@pytest.mark.parametrize(
    "state",
    [["a", "list", "of", "values"], {"child_name": ["not", "an", "action"]}],
    ids=["values-list", "block-list"],
)
def test_a_submission_whose_values_are_not_objects_is_refused_as_out_of_date(
    harness: Harness, caplog: pytest.LogCaptureFixture, state: Any
) -> None:
    view_id = open_referral_modal(harness)
    before = _rows(harness)
    status = _interaction(
        harness, _submission(harness, "U0DPH", _referral_view(harness, view_id, state))
    )
    assert status == 200
    assert _rows(harness) == before
    assert "refused a malformed view_submission payload" in caplog.text
    _clean(caplog)


@pytest.mark.parametrize(
    ("block", "element"),
    [
        (ReferralBlock.AGENCY, {"type": "static_select", "selected_option": "1"}),
        (ReferralBlock.AGENCY, {"type": "static_select", "selected_option": {"value": 1}}),
        (ReferralBlock.CP_PLAN, {"type": "radio_buttons", "selected_option": ["previously"]}),
        (ReferralBlock.CRITERIA, {"type": "checkboxes", "selected_options": "death"}),
        (ReferralBlock.CRITERIA, {"type": "checkboxes", "selected_options": ["death", 1]}),
        (ReferralBlock.CRITERIA, {"type": "checkboxes", "selected_options": 7}),
        (ReferralBlock.CHILD_NAME, {"type": "plain_text_input", "value": ["Zeb"]}),
        (ReferralBlock.CHILD_DOB, {"type": "datepicker", "selected_date": 20200101}),
    ],
    ids=[
        "select-string",
        "select-number-value",
        "radio-list",
        "checkboxes-string",
        "checkboxes-mixed",
        "checkboxes-number",
        "text-list",
        "date-number",
    ],
)
def test_wrong_value_types_in_selects_and_checkboxes_are_refused_not_crashed(
    harness: Harness, caplog: pytest.LogCaptureFixture, block: str, element: dict[str, Any]
) -> None:
    view_id = open_referral_modal(harness)
    state = _referral_state(harness, **{block: element})
    before = _rows(harness)
    status = _interaction(
        harness, _submission(harness, "U0DPH", _referral_view(harness, view_id, state))
    )
    assert status == 200
    assert _rows(harness) == before
    assert "refused a malformed view_submission payload" in caplog.text
    _clean(caplog)


def test_the_thirty_first_of_february_is_an_inline_error(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    view_id = open_referral_modal(harness)
    state = _referral_state(
        harness,
        **{ReferralBlock.INCIDENT_DATE: {"type": "datepicker", "selected_date": "2026-02-31"}},
    )
    before = _rows(harness)
    response = harness.driver.raw(
        body := urlencode(
            {
                "payload": json.dumps(
                    _submission(harness, "U0DPH", _referral_view(harness, view_id, state))
                )
            }
        ).encode(),
        {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": str(now := int(time.time())),
            "X-Slack-Signature": harness.driver.sign(body, now),
        },
    )
    harness.wait()
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert ReferralBlock.INCIDENT_DATE.value in answer["errors"]
    assert _rows(harness) == before
    _clean(caplog)


@pytest.mark.parametrize(
    "metadata",
    ['{"case": "one"}', '{"case": 99999}', '{"case": ' + "9" * 400 + "}", "not json", "[1]"],
    ids=["non-numeric", "unknown-case", "400-digits", "not-json", "list"],
)
def test_decision_metadata_that_is_not_a_known_case_is_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    refer(harness)
    before = _rows(harness)
    view = {
        "id": "V0DECISION",
        "type": "modal",
        "callback_id": DecisionCallback.RECOMMENDATION.value,
        "private_metadata": metadata,
        "hash": "h",
        "state": {"values": {}},
    }
    assert _interaction(harness, _submission(harness, "U0CHAIR", view)) == 200
    assert _rows(harness) == before
    _clean(caplog)


# Block actions ----------------------------------------------------------------------------


def _click(
    harness: Harness, action_id: str, value: str, *, channel: str | None, response_url: bool
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0SCR", "domain": "scr"},
        "user": {"id": "U0DPH", "team_id": "T0SCR"},
        "api_app_id": "A0SCRBOT",
        "trigger_id": harness.standin.issue_trigger_id("U0DPH"),
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value}],
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": channel},
        "channel": {"id": channel, "name": "case"},
    }
    if response_url:
        payload["response_url"] = harness.standin.response_url_for("U0DPH", channel)
    return payload


def test_an_empty_action_gets_400(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    payload = _click(harness, "x", "1", channel="C1", response_url=True)
    payload["actions"] = [{}]
    assert _interaction(harness, payload) == 400
    _clean(caplog)


@pytest.mark.parametrize(
    "action_id",
    [FirstMonthAction.RECORDS_SECURED.value, FirstMonthAction.TASK.value, "decision_approve"],
)
@pytest.mark.parametrize("value", ["9" * 400, "1"], ids=["400-digits", "real"])
def test_a_button_without_a_response_url_or_with_a_huge_value_is_answered_by_dm(
    harness: Harness, caplog: pytest.LogCaptureFixture, action_id: str, value: str
) -> None:
    refer(harness)
    with harness.runtime.db.session() as session:
        channel = session.scalars(select(Case.channel_id)).one()
    audits = _rows(harness)["audit_events"]
    calls = len(harness.standin.calls)
    payload = _click(harness, action_id, value, channel=channel, response_url=False)
    assert _interaction(harness, payload) == 200
    _clean(caplog)
    if value != "1":
        assert _rows(harness)["audit_events"] == audits
        dms = [
            c
            for c in harness.standin.calls[calls:]
            if c.method == "chat.postMessage" and c.args.get("channel") == "U0DPH"
        ]
        assert dms, "the clicker was not answered"


@pytest.mark.parametrize("value", ["9" * 400, "1"], ids=["400-digits", "no-response-url"])
def test_mark_done_with_a_huge_value_or_no_response_url_does_not_crash(
    harness: Harness, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    payload = _click(harness, Action.MARK_DONE.value, value, channel="D0DPH", response_url=False)
    assert _interaction(harness, payload) == 200
    _clean(caplog)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("channel", True),
        ("team", ["id"]),
        ("enterprise", 5),
        ("event", None),
        ("event", "x"),
        ("authorizations", "x"),
        ("response_urls", "x"),
        ("response_url", 5),
    ],
)
def test_fields_bolt_reads_before_any_listener_are_of_slacks_types(
    harness: Harness, caplog: pytest.LogCaptureFixture, key: str, value: Any
) -> None:
    payload = _click(
        harness, FirstMonthAction.RECORDS_SECURED.value, "1", channel="C1", response_url=True
    )
    payload[key] = value
    assert _interaction(harness, payload) == 400
    assert [c.method for c in harness.standin.calls if c.method != "auth.test"] == []
    _clean(caplog)


# Commands ---------------------------------------------------------------------------------


def test_a_command_without_a_response_url_is_answered_by_dm(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    refer(harness)
    with harness.runtime.db.session() as session:
        channel = session.scalars(select(Case.channel_id)).one()
    calls = len(harness.standin.calls)
    form = {
        "command": "/scr",
        "text": "actions",
        "user_id": "U0CHAIR",
        "channel_id": channel,
        "team_id": "T0SCR",
        "trigger_id": harness.standin.issue_trigger_id("U0CHAIR"),
    }
    assert _send(harness, urlencode(form).encode()) == 200
    _clean(caplog)
    dms = [
        c
        for c in harness.standin.calls[calls:]
        if c.method == "chat.postMessage" and c.args.get("channel") == "U0CHAIR"
    ]
    assert dms
