"""Small helpers shared by the flow tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.ids import Callback
from bot.runtime import Bell
from bot.services.cases.access import active_agencies
from bot.testing.harness import Harness
from storage.models import Case, ReceivedReferral
from tests.referral.data import details_form, first_part_values, referral_values


def agency_id(harness: Harness, name: str) -> int:
    with harness.runtime.db.session() as session:
        return next(a.id for a in active_agencies(session) if a.name == name)


def open_referral_modal(harness: Harness, user: str = "U0DPH") -> str:
    response = harness.driver.slash_command(user, "refer")
    assert response.status == 200
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None, "the referral modal did not open"
    return view.id


def refer(harness: Harness, user: str = "U0DPH", agency: str = "Health", **overrides: Any):
    """A referral, whichever form the bot asks for: all in the Slack modal, or (with the case
    room on) its Slack part and then the child's details on the web form."""
    view_id = open_referral_modal(harness, user)
    if harness.standin.views[view_id].callback_id == Callback.REFERRAL_FIRST_PART:
        return refer_across_web(harness, user, agency_id(harness, agency), view_id, **overrides)
    response = harness.driver.submit_view(
        user, referral_values(agency_id(harness, agency), **overrides), view_id=view_id
    )
    harness.wait()
    return response


def refer_unopened(harness: Harness, user: str = "U0DPH", agency: str = "Health"):
    """A referral submitted while nothing drains the queue (a worker down): kept and
    answered, its case not yet opened. The modal's view id and the answer."""
    view_id = open_referral_modal(harness, user)
    harness.runtime.bell = Bell()
    response = harness.driver.submit_view(
        user, referral_values(agency_id(harness, agency)), view_id=view_id
    )
    harness.wait()
    return view_id, response


def refer_across_web(harness: Harness, user: str, agency: int, view_id: str, **overrides: Any):
    """The Slack part, then the details through the one-time link, signed in as ``user``;
    the Slack part's response."""
    from tests.portal.helpers import client_of, csrf_of, sign_in

    response = harness.driver.submit_view(
        user, first_part_values(agency, **overrides), view_id=view_id
    )
    harness.wait()
    view = json.dumps(body_json(response)["view"])
    start = view.index("/portal/referrals/")
    link = view[start : view.index('"', start)]
    client = client_of(harness)
    sign_in(client, user)
    form = client.get(link)
    sent = client.post(link, data={**details_form(), "csrf_token": csrf_of(form.text)})
    assert sent.status_code == 200, sent.status_code
    harness.wait()  # the case's set-up, queued with it
    return response


def body_json(response: Any) -> dict[str, Any]:
    raw = response.body
    if isinstance(raw, bytes):
        raw = raw.decode()
    return json.loads(raw) if raw else {}


def cases(harness: Harness) -> list[Case]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def stored_referrals(harness: Harness) -> int:
    """Referrals kept: the cases opened and the referrals received and not yet opened,
    counted in one statement (so none is counted twice or missed as it is opened)."""
    counted = select(
        select(func.count()).select_from(Case).scalar_subquery()
        + select(func.count()).select_from(ReceivedReferral).scalar_subquery()
    )
    with harness.runtime.db.session() as session:
        return int(session.execute(counted).scalar_one())


def all_calls_text(harness: Harness) -> str:
    return json.dumps([{"m": c.method, "a": c.args} for c in harness.standin.calls], default=str)


def tampered_submission(harness: Harness, user: str, view_id: str, values: dict[str, Any]):
    """A view_submission that Slack's client would not send (empty required fields, over-long
    text): built by hand and correctly signed, to show the server does not trust the client."""
    view = harness.standin.views[view_id]
    state: dict[str, dict[str, Any]] = {}
    for block in view.blocks:
        if block.get("type") != "input":
            continue
        element = block["element"]
        value = values.get(block["block_id"], {}).get(element["action_id"])
        kind = element["type"]
        if kind == "plain_text_input":
            entry = {"type": kind, "value": value}
        elif kind == "datepicker":
            entry = {"type": kind, "selected_date": value}
        elif kind in {"static_select", "radio_buttons"}:
            entry = {
                "type": kind,
                "selected_option": None
                if value is None
                else {"value": value, "text": {"type": "plain_text", "text": str(value)}},
            }
        else:
            entry = {
                "type": kind,
                "selected_options": [
                    {"value": v, "text": {"type": "plain_text", "text": v}} for v in value or []
                ],
            }
        state[block["block_id"]] = {element["action_id"]: entry}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0SCR", "domain": "scr"},
        "user": {"id": user, "team_id": "T0SCR"},
        "api_app_id": "A0SCRBOT",
        "token": "legacy",
        "trigger_id": harness.standin.issue_trigger_id(),
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": view.callback_id,
            "private_metadata": view.private_metadata,
            "hash": "h",
            "team_id": "T0SCR",
            "state": {"values": state},
        },
    }
    body = ("payload=" + quote(json.dumps(payload))).encode()
    now = int(time.time())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": harness.driver.sign(body, now),
    }
    response = harness.driver.raw(body, headers)
    harness.wait()
    return response


def waits_of(clock: FrozenClock, work: Callable[[], object]) -> list[timedelta]:
    """Run ``work`` in a thread, moving ``clock`` on to each later time it waits for (Slack's
    `Retry-After`, a turn) until it ends; how far ahead each wait was, in order."""
    done = threading.Event()

    def run() -> None:
        try:
            work()
        finally:
            done.set()
            clock.advance(timedelta())  # wakes `next_wake` below

    thread = threading.Thread(target=run)
    thread.start()
    waits = []
    while (wake := clock.next_wake(unless=done.is_set)) is not None:
        waits.append(wake - clock.now())
        clock.set(wake)
    thread.join(30)
    return waits


def set_up_dms(standin: Any) -> list[tuple[str, str, str]]:
    """Every DM posted once (by its ledger key) to someone the bot has posted to, but a
    set-up's notice that it was put off: (key, person, their DM's channel)."""
    people = {
        str(c.args["channel"])
        for c in standin.calls_to("chat.postMessage")
        if str(c.args["channel"]).startswith("U")
    }
    return [
        (key, person, m.channel)
        for person in sorted(people)
        for m in standin.dms_to(person)
        if m.metadata is not None
        and not (key := str(m.metadata["event_payload"]["key"])).endswith(":setup-pending")
    ]
