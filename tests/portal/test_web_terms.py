"""The terms of reference on the case page: the Slack form's twin (`/scr review terms`),
through the same service, and the case channel and card updated as after the Slack form."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import ReviewBlock
from storage.models import CaseDocument
from tests.decision.helpers import decided
from tests.portal.helpers import PUBLIC_URL, csrf_of
from tests.portal.test_case_page import signed_in
from tests.referral.data import CHILD_NAME
from tests.review.test_terms import KEY_ISSUES, terms_rows, terms_values


def form_of(case) -> str:
    return f"/portal/cases/{case.reference}/forms/terms"


def web_answers(portal, client, case, **changes) -> dict:
    page = client.get(form_of(case))
    assert page.status_code == 200, page.text
    values = terms_values(portal, **changes)
    values[ReviewBlock.LIAISON_LEAD.value] = "U0CPU1"
    values[ReviewBlock.REVIEW_START.value] = "2026-11-27"
    return {"csrf_token": csrf_of(page.text), **values}


def card_updates(portal, case) -> int:
    return len(
        [
            c
            for c in portal.standin.calls_to("chat.update")
            if c.args.get("ts") == case.card_ts and c.args.get("channel") == case.channel_id
        ]
    )


def test_the_panel_chair_sets_the_terms_on_the_web(portal) -> None:
    case = decided(portal)
    client = signed_in(portal, "U0CPU1")
    assert f'href="{form_of(case)}"' in client.get(f"/portal/cases/{case.reference}").text
    before = card_updates(portal, case)

    response = client.post(form_of(case), data=web_answers(portal, client, case))
    assert response.status_code == 200, response.text
    assert "Version 1 of the terms of reference is saved" in response.text
    portal.wait()

    [row] = terms_rows(portal)
    assert (row.version, row.recorded_by) == (1, "U0CPU1")
    posted = [
        m for m in portal.standin.messages_in(case.channel_id) if "terms of reference" in m.text
    ]
    assert posted and f"{PUBLIC_URL}/portal/cases/{case.reference}" in str(posted[0].blocks)
    assert card_updates(portal, case) > before  # the card redrawn, as after the Slack form
    with portal.runtime.db.session() as session:
        kept = session.scalars(
            select(CaseDocument.title).where(CaseDocument.kind == "terms_of_reference")
        ).all()
    assert kept == ["Terms of reference, version 1"]

    again = client.get(form_of(case)).text  # the current version to edit
    assert KEY_ISSUES in again


def test_bad_terms_come_back_inline_and_nothing_is_stored(portal) -> None:
    case = decided(portal)
    client = signed_in(portal, "U0CPU1")
    bad = web_answers(
        portal,
        client,
        case,
        period_to="2099-01-01",
        key_issues=f"Whether {CHILD_NAME} was seen",
    )
    response = client.post(form_of(case), data=bad)
    assert response.status_code == 422
    assert 'id="period_to-error"' in response.text
    assert "Nothing was saved" in response.text
    assert terms_rows(portal) == []

    named = web_answers(portal, client, case, key_issues=f"Whether {CHILD_NAME} was seen")
    response = client.post(form_of(case), data=named)
    assert response.status_code == 422
    assert 'id="key_issues-error"' in response.text
    assert terms_rows(portal) == []

    late = web_answers(portal, client, case, completion_date="2030-01-01")
    response = client.post(form_of(case), data=late)
    assert response.status_code == 422
    assert 'id="completion_date-error"' in response.text
    assert terms_rows(portal) == []


def test_only_the_panel_chair_sets_the_terms(portal) -> None:
    case = decided(portal)
    chair = signed_in(portal, "U0CPU1")
    data = web_answers(portal, chair, case)
    member = signed_in(portal, "U0DPH")
    assert f'href="{form_of(case)}"' not in member.get(f"/portal/cases/{case.reference}").text
    assert member.get(form_of(case)).status_code == 403
    refused = member.post(
        form_of(case), data={**data, "csrf_token": csrf_of(member.get("/portal/").text)}
    )
    assert refused.status_code == 403
    assert signed_in(portal, "U0DPE").get(form_of(case)).status_code == 403
    assert terms_rows(portal) == []


def test_terms_without_the_csrf_token_are_refused(portal) -> None:
    case = decided(portal)
    client = signed_in(portal, "U0CPU1")
    data = web_answers(portal, client, case)
    del data["csrf_token"]
    assert client.post(form_of(case), data=data).status_code == 400
    assert terms_rows(portal) == []
