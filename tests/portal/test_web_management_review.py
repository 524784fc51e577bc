"""A management review (Appendix 3) written on the case page: the Slack form's twin, through
the same service, and the panel chair and the case channel told as after the Slack form."""

from __future__ import annotations

from tests.decision.helpers import audit_rows
from tests.portal.helpers import csrf_of
from tests.portal.test_case_page import signed_in
from tests.referral.data import CHILD_NAME
from tests.review.test_imr import (
    ANALYSIS,
    recommendation,
    request_review,
    review_row,
    scr_with_terms,
    sections,
)


def form_of(case) -> str:
    return f"/portal/cases/{case.reference}/forms/management-review"


def answers(client, case, values: dict) -> dict:
    page = client.get(form_of(case))
    assert page.status_code == 200, page.text
    return {"csrf_token": csrf_of(page.text), **values}


def requested(portal):
    case = scr_with_terms(portal)
    request_review(portal, case)
    return case


def test_the_author_submits_the_review_on_the_web(portal) -> None:
    case = requested(portal)
    client = signed_in(portal, "U0RLH")
    assert f'href="{form_of(case)}"' in client.get(f"/portal/cases/{case.reference}").text
    values = {
        **sections(),
        **recommendation(1, "Refresher training on bruising protocols", rec_by_when="2027-04-30"),
        **recommendation(3, "Audit of GP referrals", rec_by_whom="Designated doctor"),
    }
    response = client.post(form_of(case), data=answers(client, case, values))
    assert response.status_code == 200, response.text
    assert "submitted to the panel chair" in response.text
    portal.wait()

    row = review_row(portal)
    assert (row.status, row.submissions, row.submitted_by) == ("submitted", 1, "U0RLH")
    assert ANALYSIS.encode() not in (row.sections or b"")
    assert [r.by_when.isoformat() if r.by_when else None for r in row.recommendations] == [
        "2027-04-30",
        None,
    ]
    assert any("is submitted" in m.text for m in portal.standin.dms_to("U0CPU1"))
    said = [m.text for m in portal.standin.messages_in(case.channel_id)]
    assert any("Health's management review is submitted." in t for t in said)
    assert [a.actor for a in audit_rows(portal, "imr.submitted")] == ["U0RLH"]


def test_a_bad_review_comes_back_inline_and_nothing_is_stored(portal) -> None:
    case = requested(portal)
    client = signed_in(portal, "U0RLH")
    not_independent = {k: v for k, v in sections().items() if k != "independent"}
    response = client.post(form_of(case), data=answers(client, case, not_independent))
    assert response.status_code == 422
    assert 'id="independent-error"' in response.text
    assert "Nothing was saved" in response.text
    assert review_row(portal).status == "requested"

    named = sections(analysis=f"{CHILD_NAME} was seen twice.")
    response = client.post(form_of(case), data=answers(client, case, named))
    assert response.status_code == 422
    assert 'id="analysis-error"' in response.text
    assert CHILD_NAME not in response.text.split("Nothing was saved")[0]

    no_action = {**sections(), "rec_by_whom_2": "Named nurse"}
    response = client.post(form_of(case), data=answers(client, case, no_action))
    assert response.status_code == 422
    assert 'id="rec_action_2-error"' in response.text
    assert review_row(portal).status == "requested"


def test_only_the_agency_s_author_submits_it(portal) -> None:
    case = requested(portal)
    author = signed_in(portal, "U0RLH")
    data = answers(author, case, sections())
    other = signed_in(portal, "U0DPP")  # Police: a member, not Health's
    assert other.get(form_of(case)).status_code == 403
    token = csrf_of(other.get("/portal/").text)
    assert other.post(form_of(case), data={**data, "csrf_token": token}).status_code == 403
    assert signed_in(portal, "U0DPE").get(form_of(case)).status_code == 403
    assert review_row(portal).status == "requested"

    del data["csrf_token"]
    assert author.post(form_of(case), data=data).status_code == 400
    assert review_row(portal).status == "requested"
