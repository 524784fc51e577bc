"""Text typed about a case is checked against what identifies the child before it is stored
and shown again in Slack."""

from __future__ import annotations

import pytest

from bot.services.cases.identifying import identifiers_of, names_the_child
from tests.referral.data import ADDRESS, CHILD_AKA, CHILD_DOB, CHILD_NAME, FAMILY

IDS = identifiers_of(
    {
        "child_name": CHILD_NAME,
        "child_aka": CHILD_AKA,
        "child_dob": CHILD_DOB,
        "address": ADDRESS,
        "family_composition": FAMILY,
    }
)


@pytest.mark.parametrize(
    "text",
    [
        "Jamie was seen twice",
        "JAMIE attended nursery",
        "Jamie's injuries",
        "the mother (Rowena) said",
        "Dale Smallwood was at home",
        "Ivy is at nursery",
        "JQ was the name used at school",
        "seen at Larkspur Gardens",
        "postcode OT4 9ZZ",
        "postcode ot49zz",
        "born 14.03.19",
        "born on 14/03/2019",
        "DOB 2019-03-14",
        "born 14 March 2019",
    ],
)
def test_what_names_the_child_is_caught(text: str) -> None:
    assert names_the_child(text, IDS)


@pytest.mark.parametrize(
    "text",
    [
        "The child was seen by the health visitor.",
        "The mother and her partner were interviewed.",
        "Police and Health did not share the call-out.",
        "The panel may decide otherwise.",
        "Gardens and street names are not names.",
        "Seen on 14.03.20, a year after the birthday.",
    ],
)
def test_ordinary_professional_text_passes(text: str) -> None:
    assert not names_the_child(text, IDS)


def test_a_referral_without_personal_data_blocks_nothing() -> None:
    empty = identifiers_of({})
    assert not names_the_child("Jamie was seen", empty)
    assert empty.born is None
    assert IDS.born is not None and IDS.born.isoformat() == CHILD_DOB


@pytest.mark.parametrize(
    "text",
    [
        "the quillfeather family",
        "smallwood's partner",
        "jamie's nursery",
        "rowena said",
        "larkspur gardens",
        "born 14/3/19",
        "born 14th March 2019",
        "born March 14, 2019",
        "born 14-03-2019",
        "postcode ot4 9zz",
    ],
)
def test_lower_case_and_possessive_names_and_other_dates_are_caught(text: str) -> None:
    assert names_the_child(text, IDS)


def test_a_name_that_is_an_ordinary_word_is_caught_only_capitalised() -> None:
    ids = identifiers_of({"child_name": "May Dale", "family_composition": "Father Bill Dale"})
    assert names_the_child("May was seen", ids)
    assert names_the_child("Bill's flat", ids)
    assert not names_the_child("the panel may meet; the bill was paid", ids)


def test_phone_numbers_in_the_referral_are_caught_in_any_spacing() -> None:
    ids = identifiers_of({"family_composition": "Mother (07700 900123)"})
    assert names_the_child("rang 07700900123", ids)
    assert names_the_child("rang +44 7700 900 123", ids)
    assert not names_the_child("rang 07700 900999", ids)
