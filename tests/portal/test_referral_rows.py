"""The referral in the framework's shape with the case room: the Slack part takes the
services involved and the referrer's telephone (nothing identifying); the web form takes the
family as rows, a named person needing their relationship to the child."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import PendingReferral
from tests.flow_helpers import agency_id, body_json, cases, open_referral_modal, tampered_submission
from tests.portal.test_referral_details import send_details, signed_in, start_in_slack
from tests.referral.data import first_part_values
from tests.referral.test_family_and_services import rows
from tests.sealed import read_json


def pending_count(harness) -> int:
    with harness.runtime.db.session() as session:
        return int(session.scalar(select(func.count(PendingReferral.id))) or 0)


def test_the_slack_part_takes_the_services_and_telephone(portal) -> None:
    view_id = open_referral_modal(portal)
    values = {
        **first_part_values(agency_id(portal, "Health")),
        **rows(
            services_1_service="Health visiting",
            services_1_involved_from="2019-03-20",
            referrer_telephone="01632 960999",
        ),
    }
    bad = {**values, **rows(services_2_service="Nursery")}
    answer = body_json(tampered_submission(portal, "U0DPH", view_id, bad))
    assert "required" in answer["errors"]["services_2_involved_from"]
    assert pending_count(portal) == 0

    response = portal.driver.submit_view("U0DPH", values, view_id=view_id)
    portal.wait()
    assert body_json(response)["response_action"] == "update"
    with portal.runtime.db.session() as session:
        [pending] = session.scalars(select(PendingReferral)).all()
    assert pending.answers["services"] == [
        {"service": "Health visiting", "involved_from": "2019-03-20", "involved_to": None}
    ]
    assert pending.answers["referrer_telephone"] == "01632 960999"


def test_a_named_family_member_needs_a_relationship_on_the_web_form(portal) -> None:
    link = start_in_slack(portal)
    client = signed_in(portal, "U0DPH")
    response = send_details(
        client,
        link,
        **{"family-1-relationship": "", "family-4-name": "", "family-4-relationship": "Aunt"},
    )
    assert response.status_code == 422
    page = response.text
    assert 'id="family-1-relationship-error"' in page and "relationship to the child" in page
    assert 'id="family-4-name-error"' in page and "This is required." in page
    assert cases(portal) == [] and pending_count(portal) == 1

    assert send_details(client, link, **{"family-4-name": ""}).status_code == 200
    [case] = cases(portal)
    personal = read_json(portal.runtime, case.id, case.personal_data)
    assert [m["relationship"] for m in personal["family"]] == ["Mother", "Stepfather", "Sibling"]
