"""The terms of reference cover every issue the framework lists for them: an independent or
outside expert, other areas involved, who links with the coroner, the police and the media,
the family history to be covered, and the review's start date."""

from __future__ import annotations

from bot.ids import INPUT_ACTION, ReviewBlock
from tests.decision.helpers import decided, submit
from tests.flow_helpers import body_json, tampered_submission
from tests.review.test_terms import open_terms, terms_rows, terms_values
from tests.sealed import read_json


def test_every_issue_of_the_framework_is_asked_stored_and_posted(harness) -> None:
    case = decided(harness)
    view = open_terms(harness, case)
    blocks = str(view.blocks)
    for asked in (
        "Independent or outside expert",
        "Other areas involved",
        "Who links with the coroner, the police and the media",
        "Family history to be covered",
        "The review starts on",
    ):
        assert asked in blocks, asked

    values = terms_values(
        harness,
        **{
            ReviewBlock.OTHER_AREAS.value: "The child lived in a neighbouring borough until 2025.",
            ReviewBlock.LIAISON_LEAD.value: "U0CPU2",
            ReviewBlock.REVIEW_START.value: "2026-12-14",
        },
    )
    assert body_json(submit(harness, "U0CPU1", values, view.id)) == {}

    [row] = terms_rows(harness)
    sealed = read_json(harness.runtime, row.case_id, row.content)
    assert sealed["independent_expert"].startswith("A paediatrician")
    assert sealed["other_areas"].startswith("The child lived in a neighbouring borough")
    assert sealed["family_history"].startswith("The mother's own care history")
    assert sealed["liaison_lead"] == "U0CPU2" and sealed["start_date"] == "2026-12-14"
    assert b"paediatrician" not in row.content
    [posted] = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if "Terms of reference v1" in str(m.blocks)
    ]
    text = str(posted.blocks)
    assert "A paediatrician from outside the area" in text
    assert "Family history to be covered" in text and "neighbouring borough" in text
    assert "<@U0CPU2>" in text and "Review starts" in text and "Mon 14 Dec 2026" in text


def test_terms_without_the_expert_or_the_family_history_are_refused_inline(harness) -> None:
    case = decided(harness)
    view = open_terms(harness, case)
    values = {
        block: {INPUT_ACTION: value}
        for block, value in terms_values(
            harness, **{ReviewBlock.EXPERT.value: "", ReviewBlock.FAMILY_HISTORY.value: ""}
        ).items()
    }
    response = tampered_submission(harness, "U0CPU1", view.id, values)
    errors = body_json(response).get("errors", {})
    assert ReviewBlock.EXPERT.value in errors and ReviewBlock.FAMILY_HISTORY.value in errors
    assert terms_rows(harness) == []


def test_a_start_after_the_completion_date_is_refused_inline(harness) -> None:
    case = decided(harness)
    view = open_terms(harness, case)
    values = terms_values(harness, **{ReviewBlock.REVIEW_START.value: "2027-04-01"})
    response = submit(harness, "U0CPU1", values, view.id)
    assert "start before its completion date" in body_json(response)["errors"]["start_date"]
    assert terms_rows(harness) == []
