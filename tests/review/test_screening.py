"""Free text typed during the review is screened for the child's identifying details before
it is stored: the terms of reference, a management review's sections and recommendations,
and an interview's summary are refused inline, on the field that names the child (the
surname in lower case, a possessive, the date of birth, the postcode without its space), and
nothing of the refused form is stored."""

from __future__ import annotations

from itertools import cycle

import pytest

from bot.ids import ReviewAction
from bot.ids import ReviewBlock as B
from tests.decision.helpers import decided, modal_of, submit, tasks_of
from tests.flow_helpers import all_calls_text, body_json
from tests.referral.data import NAMED_INLINE
from tests.review.test_imr import (
    open_submission,
    recommendation,
    request_review,
    review_row,
    scr_with_terms,
    sections,
)
from tests.review.test_interviews import interviews, schedule
from tests.review.test_terms import open_terms, terms_rows, terms_values

HOUSE_STYLE = '"the child" or "Child A", "Mother"'


def cases_for(fields):
    """Each field paired with one of the ways of naming the child, in turn."""
    return list(zip(fields, cycle(NAMED_INLINE), strict=False))


def refused_inline(response, block: str, label: str) -> None:
    answer = body_json(response)
    assert answer["response_action"] == "errors", answer
    assert list(answer["errors"]) == [block]
    message = answer["errors"][block]
    assert message.startswith(f"The {label} seems to name the child"), message
    assert HOUSE_STYLE in message


TERMS_FIELDS = [
    (B.KEY_ISSUES.value, "key issues"),
    (B.OTHERS.value, "others asked"),
    (B.FAMILY.value, "family involvement"),
    (B.LIAISON.value, "liaison"),
    (B.MEDIA.value, "media handling"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("field", "text"), cases_for(TERMS_FIELDS))
def test_terms_naming_the_child_are_refused_inline(harness, field, text) -> None:
    block, label = field
    case = decided(harness)
    view = open_terms(harness, case)
    response = submit(harness, "U0CPU1", terms_values(harness, **{block: text}), view.id)

    refused_inline(response, block, label)
    assert terms_rows(harness) == []
    assert tasks_of(harness, case.id, "terms_of_reference")[0].status == "open"


IMR_FIELDS = [
    (B.AGENCY_DETAILS.value, "agency details"),
    (B.AUTHOR_ROLE.value, "author and independence"),
    (B.TERMS_ADDRESSED.value, "terms of reference addressed"),
    (B.CHRONOLOGY.value, "chronology of involvement"),
    (B.ANALYSIS.value, "analysis of involvement"),
    (B.LEARNING.value, "lessons learned"),
    (B.GOOD_PRACTICE.value, "good practice"),
    (f"{B.REC_ACTION.value}_1", "action of recommendation 1"),
    (f"{B.REC_BY_WHOM.value}_1", "by whom of recommendation 1"),
    (f"{B.REC_OUTCOME.value}_1", "expected outcome of recommendation 1"),
    (f"{B.REC_REVIEW.value}_1", "review of outcome of recommendation 1"),
]


def imr_values(block: str, text: str) -> dict[str, str]:
    values = {
        **sections(),
        **recommendation(
            1,
            "Refer all bruising in non-mobile babies",
            rec_by_whom="Named nurse",
            rec_outcome="Every referral made the same day",
            rec_review="Audit in six months",
        ),
    }
    values[block] = f"{values.get(block, 'Noted')}; {text}"
    return values


@pytest.mark.postgres
@pytest.mark.parametrize(("field", "text"), cases_for(IMR_FIELDS))
def test_a_management_review_naming_the_child_is_refused_inline(harness, field, text) -> None:
    block, label = field
    case = scr_with_terms(harness)
    request_review(harness, case)
    view = open_submission(harness)
    response = submit(harness, "U0RLH", imr_values(block, text), view.id)

    refused_inline(response, block, label)
    row = review_row(harness)
    assert (row.status, row.sections, row.submissions) == ("requested", None, 0)
    assert "is submitted" not in all_calls_text(harness)


@pytest.mark.postgres
@pytest.mark.parametrize("text", NAMED_INLINE)
def test_an_interview_summary_naming_the_child_is_refused_inline(harness, text) -> None:
    case = scr_with_terms(harness)
    request_review(harness, case)
    assert body_json(schedule(harness, case)) == {}
    harness.driver.block_action("U0RLH", ReviewAction.OPEN_INTERVIEW_OUTCOME.value)
    harness.wait()
    view = modal_of(harness, "U0RLH", "review_interview_outcome")
    answers = {
        B.SHARED_ON.value: "2026-11-27",
        B.AGREED.value: "false",
        B.DISAGREEMENT.value: f"She says the October visit was cancelled; {text}",
    }
    response = submit(harness, "U0RLH", answers, view.id)

    refused_inline(response, B.DISAGREEMENT.value, "disagreement")
    [row] = interviews(harness)
    assert (row.status, row.summary_shared_on, row.disagreement) == ("scheduled", None, None)
    assert "disputed" not in all_calls_text(harness)
