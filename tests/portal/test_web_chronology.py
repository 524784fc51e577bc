"""Chronology entries in bulk on the case page: the Slack form's twin, through the same
service (the same checks, screening, audit), and Slack told as after the Slack form."""

from __future__ import annotations

from bot.ids import ChronologyFlag
from tests.first_month.helpers import (
    audit_actions,
    card_text,
    channel_of,
    entries,
    open_case,
)
from tests.portal.helpers import csrf_of
from tests.portal.test_case_page import CASE, signed_in
from tests.referral.data import CHILD_NAME
from tests.sealed import read_text

FORM = f"{CASE}/forms/chronology"


def answers(client, agency: str, rows: dict[int, tuple[str, str, str, list[str]]]) -> dict:
    page = client.get(FORM)
    assert page.status_code == 200, page.text
    html = page.text
    marker = 'name="form_key" value="'
    key = html[html.index(marker) + len(marker) :].split('"', 1)[0]
    data: dict = {"csrf_token": csrf_of(html), "form_key": key, "agency": agency}
    for row, (day, worker, event, flags) in rows.items():
        data |= {
            f"chron_date_{row}": day,
            f"chron_worker_{row}": worker,
            f"chron_event_{row}": event,
            f"chron_flags_{row}": flags,
        }
    return data


def health(portal) -> str:
    from tests.flow_helpers import agency_id

    return str(agency_id(portal, "Health"))


def test_entries_sent_on_the_web_are_stored_and_slack_is_told(portal) -> None:
    open_case(portal)
    client = signed_in(portal, "U0DPH")
    page = client.get(CASE).text
    assert f'href="{FORM}"' in page
    rows = {
        1: ("2026-03-02", "Nurse Aditi Rao", "Home visit", [ChronologyFlag.CHILD_SEEN.value]),
        2: ("2025-12-01", "Dr K Okafor", "GP appointment", []),
        7: ("01/11/2025", "Health visitor", "Clinic visit", []),
    }
    data = answers(client, health(portal), rows)
    response = client.post(FORM, data=data)
    assert response.status_code == 200, response.text
    assert "3 added to Health" in response.text
    portal.wait()

    stored = entries(portal, "Health")
    assert [(e.entry_date.isoformat(), e.child_seen) for e in stored] == [
        ("2026-03-02", True),
        ("2025-12-01", False),
        ("2025-11-01", False),
    ]
    assert read_text(portal.runtime, stored[0].case_id, stored[0].worker) == "Nurse Aditi Rao"
    said = [m.text for m in portal.standin.messages_in(channel_of(portal))]
    assert any(
        "3 entries added to Health's chronology by <@U0DPH> in the case room (3 in all)." in t
        for t in said
    ), said
    assert "3 entries" in card_text(portal)  # the card refreshed

    again = client.post(FORM, data=data)  # the same form sent twice
    assert "nothing has changed" in again.text
    assert len(entries(portal)) == 3
    assert audit_actions(portal).count("chronology.accepted") == 1


def test_bad_entries_come_back_inline_and_nothing_is_stored(portal) -> None:
    open_case(portal)
    client = signed_in(portal, "U0DPH")
    rows = {
        1: ("2099-01-01", "Nurse", "Home visit", []),
        2: ("31/02/2025", "Dr K Okafor", "GP appointment", []),
        3: ("2025-12-01", "", "No worker", []),
        4: ("2025-12-02", "Nurse", f"Saw {CHILD_NAME} at home", []),
    }
    response = client.post(FORM, data=answers(client, health(portal), rows))
    assert response.status_code == 422
    text = response.text
    assert "Nothing was saved" in text
    assert 'id="chron_date_1-error"' in text and "In the future" in text
    assert 'id="chron_date_2-error"' in text
    assert 'id="chron_worker_3-error"' in text
    assert 'value="Dr K Okafor"' in text  # what was typed comes back
    assert entries(portal) == []
    assert "chronology.accepted" not in audit_actions(portal)

    screened = {4: ("2025-12-02", "Nurse", f"Saw {CHILD_NAME} at home", [])}
    response = client.post(FORM, data=answers(client, health(portal), screened))
    assert response.status_code == 422
    assert 'id="chron_event_4-error"' in response.text
    assert entries(portal) == []


def test_someone_who_acts_for_no_agency_is_refused(portal) -> None:
    open_case(portal)
    assert signed_in(portal, "U0DPH").get(FORM).status_code == 200
    cpu = signed_in(portal, "U0CPU1")  # a member, but no agency's
    assert f'href="{FORM}"' not in cpu.get(CASE).text
    assert cpu.get(FORM).status_code == 403
    data = {
        "csrf_token": csrf_of(cpu.get(CASE).text),
        "agency": health(portal),
        "chron_date_1": "2025-12-01",
        "chron_worker_1": "Nurse",
        "chron_event_1": "Home visit",
    }
    assert cpu.post(FORM, data=data).status_code == 403
    outsider = signed_in(portal, "U0DPE")
    assert outsider.get(FORM).status_code == 403
    assert entries(portal) == []


def test_a_form_without_its_csrf_token_is_refused(portal) -> None:
    open_case(portal)
    client = signed_in(portal, "U0DPH")
    rows = {1: ("2025-12-01", "Nurse", "Home visit", [])}
    data = answers(client, health(portal), rows)
    del data["csrf_token"]
    assert client.post(FORM, data=data).status_code == 400
    assert entries(portal) == []
