"""A referral in two parts: the Slack modal (nothing identifying), then the child's details on
the case room's form through a one-time link for the referrer only."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.ids import Callback
from bot.jobs.worker import tick
from bot.runtime import build_runtime
from bot.settings import StartupError
from bot.testing.harness import Harness, make_settings, start_harness
from bot.testing.seed import seed_partnership
from storage.models import PendingReferral
from tests.flow_helpers import (
    agency_id,
    all_calls_text,
    body_json,
    cases,
    open_referral_modal,
    refer,
)
from tests.portal.helpers import client_of, csrf_of, portal_settings, sign_in
from tests.referral.data import (
    CHILD_NAME,
    WEB_IDENTIFYING,
    details_form,
    first_part_values,
)
from tests.sealed import read_json


def start_in_slack(harness: Harness, user: str = "U0DPH") -> str:
    """The Slack part, submitted: the path of the one-time link the modal shows."""
    view_id = open_referral_modal(harness, user)
    assert harness.standin.views[view_id].callback_id == Callback.REFERRAL_FIRST_PART.value
    response = harness.driver.submit_view(
        user, first_part_values(agency_id(harness, "Health")), view_id=view_id
    )
    harness.wait()
    answer = body_json(response)
    assert answer["response_action"] == "update"
    return link_in(str(answer["view"]))


def link_in(text: str) -> str:
    start = text.index("https://case-room.test/portal/referrals/")
    end = min(i for i in (text.find("'", start), text.find('"', start)) if i != -1)
    return urlsplit(text[start:end]).path


def signed_in(harness: Harness, user: str):
    client = client_of(harness)
    assert sign_in(client, user).status_code == 302
    return client


def send_details(client, link: str, **overrides: str):
    form = client.get(link)
    assert form.status_code == 200, form.text
    return client.post(link, data={**details_form(**overrides), "csrf_token": csrf_of(form.text)})


def pending_rows(harness: Harness) -> list[PendingReferral]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(PendingReferral)))


@pytest.mark.postgres
def test_a_referral_completed_across_slack_and_web_opens_the_case(portal, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    link = start_in_slack(portal)
    assert cases(portal) == []  # no reference, no channel until both parts are in
    [dm] = portal.standin.dms_to("U0DPH")
    assert link_in(str(dm.blocks)) == link

    client = signed_in(portal, "U0DPH")
    form = client.get(link)
    assert 'for="child_name"' in form.text and 'for="family-0-relationship"' in form.text
    assert "<script" not in form.text and "style=" not in form.text
    done = client.post(link, data={**details_form(), "csrf_token": csrf_of(form.text)})
    portal.wait()  # the set-up, queued with the case

    assert done.status_code == 200, done.text
    assert "SCR-2026-001 is open" in done.text
    [case] = cases(portal)
    assert case.reference == "SCR-2026-001" and case.setup_status == "complete"
    assert case.card_ts and portal.standin.pins[case.channel_id] == [case.card_ts]
    assert [dm.text for dm in portal.standin.dms_to("U0CPU1")]
    personal = read_json(portal.runtime, case.id, case.personal_data)
    assert personal["child_name"] == CHILD_NAME
    assert personal["child_telephone"] == "01632 960123"
    assert [m["relationship"] for m in personal["family"]] == ["Mother", "Stepfather", "Sibling"]
    assert "Rowena Quillfeather (Mother), born 02.07.1994" in personal["family_composition"]
    assert personal["cp_plan"] == "previously" and case.criteria == ["death", "inter_agency"]
    assert pending_rows(portal) == []
    text = all_calls_text(portal)
    for value in WEB_IDENTIFYING:
        assert value not in text
        assert value not in caplog.text


def test_the_slack_part_submitted_twice_keeps_one_pending_referral_and_one_link(portal) -> None:
    view_id = open_referral_modal(portal)
    values = first_part_values(agency_id(portal, "Health"))
    portal.driver.submit_view("U0DPH", values, view_id=view_id)
    portal.wait()
    again = portal.driver.redeliver()
    portal.wait()
    assert again.status == 200 and "/portal/referrals/" not in str(body_json(again))
    assert len(pending_rows(portal)) == 1
    assert len(portal.standin.dms_to("U0DPH")) == 1


def test_the_web_setting_needs_the_case_room(standin, database, clock) -> None:
    partnership = seed_partnership()
    partnership.referral.identifying_details = "web"
    url = database.engine.url.render_as_string(hide_password=False)
    settings = make_settings(standin, url)
    with pytest.raises(StartupError, match="case room is not configured"):
        build_runtime(settings, clock=clock, partnership=partnership, db=database)


def test_the_link_is_for_the_referrer_only(portal) -> None:
    link = start_in_slack(portal)
    other = signed_in(portal, "U0DPP")
    assert other.get(link).status_code == 403
    owner_form = signed_in(portal, "U0DPH").get(link)
    posted = other.post(
        link, data={**details_form(), "csrf_token": csrf_of(other.get("/portal/").text)}
    )
    assert posted.status_code == 403
    assert "person who made the referral" in posted.text
    assert cases(portal) == [] and len(pending_rows(portal)) == 1
    assert owner_form.status_code == 200


def test_the_link_works_once(portal) -> None:
    link = start_in_slack(portal)
    client = signed_in(portal, "U0DPH")
    assert send_details(client, link).status_code == 200
    again = client.get(link)
    assert again.status_code == 410
    assert "no longer works" in again.text
    assert len(cases(portal)) == 1


def test_someone_signed_out_is_sent_to_sign_in_first(portal) -> None:
    link = start_in_slack(portal)
    response = client_of(portal).get(link)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/login?next=/portal/referrals/")


def test_errors_come_back_beside_their_field_and_store_nothing(portal) -> None:
    link = start_in_slack(portal)
    client = signed_in(portal, "U0DPH")
    response = send_details(client, link, child_name="", **{"family-1-dob": "2030-01-01"})
    assert response.status_code == 422
    page = response.text
    assert 'id="child_name-error"' in page and "This is required." in page
    assert 'aria-describedby="child_name-error"' in page
    assert 'id="family-1-dob-error"' in page and "in the future" in page
    assert 'value="Dale Smallwood"' in page  # what was typed is kept
    born_after = send_details(client, link, child_dob="2026-11-25")  # the incident: 18 Nov
    assert born_after.status_code == 422
    assert 'id="child_dob-error"' in born_after.text
    assert "before the date of birth" in born_after.text
    assert cases(portal) == [] and len(pending_rows(portal)) == 1
    assert send_details(client, link).status_code == 200  # then corrected


def test_a_form_without_its_csrf_token_changes_nothing(portal) -> None:
    link = start_in_slack(portal)
    client = signed_in(portal, "U0DPH")
    assert client.post(link, data=details_form()).status_code == 400
    assert cases(portal) == [] and len(pending_rows(portal)) == 1


def test_a_half_finished_referral_reminds_its_referrer_the_next_working_day(portal) -> None:
    first_link = start_in_slack(portal)  # Friday 27 Nov
    portal.clock.set(portal.clock.now() + timedelta(days=1))  # Saturday: not yet
    tick(portal.runtime)
    assert len(portal.standin.dms_to("U0DPH")) == 1
    portal.clock.set(portal.clock.now() + timedelta(days=2, hours=-0.5))  # Mon 30 Nov 09:30
    tick(portal.runtime)
    tick(portal.runtime)
    dms = portal.standin.dms_to("U0DPH")
    assert len(dms) == 2
    assert "waiting for the child's details" in dms[-1].text and "Fri 4 Dec" in dms[-1].text
    new_link = link_in(str(dms[-1].blocks))
    assert new_link != first_link
    client = signed_in(portal, "U0DPH")
    assert client.get(first_link).status_code == 410
    assert send_details(client, new_link).status_code == 200


def test_after_seven_days_the_referral_expires_and_its_data_is_gone(portal) -> None:
    link = start_in_slack(portal)
    portal.clock.set(portal.clock.now() + timedelta(days=7))
    tick(portal.runtime)
    assert pending_rows(portal) == []
    assert "expired" in portal.standin.dms_to("U0DPH")[-1].text
    assert signed_in(portal, "U0DPH").get(link).status_code == 410
    assert cases(portal) == []


def test_the_slack_setting_keeps_the_whole_referral_in_slack(standin, database, clock) -> None:
    partnership = seed_partnership()
    partnership.referral.identifying_details = "slack"
    url = database.engine.url.render_as_string(hide_password=False)
    harness = start_harness(
        standin, database, clock, settings=portal_settings(standin, url), partnership=partnership
    )
    try:
        response = refer(harness)
        assert "Referral received" in str(body_json(response)["view"])
        [case] = cases(harness)
        assert (case.reference, case.setup_status) == ("SCR-2026-001", "complete")
        assert pending_rows(harness) == []
    finally:
        harness.close()
