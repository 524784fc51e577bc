"""The referral form in the framework's shape, all in Slack: the family as rows (name,
relationship, date of birth, address), the services involved with their dates, and the
referrer's telephone; stored encrypted with the rest, blank rows left out, and bad rows
sent back inline with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from bot.ids import INPUT_ACTION
from bot.services.cases.identifying import case_identifiers, names_the_child
from tests import dbutil
from tests.flow_helpers import (
    agency_id,
    all_calls_text,
    body_json,
    cases,
    open_referral_modal,
    tampered_submission,
)
from tests.referral.data import referral_values
from tests.sealed import read_json

FAMILY_NAMES = ("Rowena Quillfeather", "Dale Smallwood")


def rows(**answers: Any) -> dict[str, dict[str, Any]]:
    """Row inputs by block id (``family_1_name="..."``)."""
    return {block: {INPUT_ACTION: value} for block, value in answers.items()}


FULL_ROWS = rows(
    family_1_name="Rowena Quillfeather",
    family_1_relationship="Mother",
    family_1_dob="1994-07-02",
    family_3_name="Dale Smallwood",
    family_3_relationship="Stepfather",
    family_3_address="3 Tansy Row, Oldtown OT4 8ZZ",
    services_1_service="Health visiting",
    services_1_involved_from="2019-03-20",
    services_2_service="Oldtown Nursery",
    services_2_involved_from="2023-09-04",
    services_2_involved_to="2026-11-18",
    referrer_telephone="01632 960999",
)


def test_the_modal_asks_for_the_family_and_services_as_rows(harness) -> None:
    view_id = open_referral_modal(harness)
    blocks = {b.get("block_id") for b in harness.standin.views[view_id].blocks}
    for row in range(1, 7):
        for part in ("name", "relationship", "dob", "address"):
            assert f"family_{row}_{part}" in blocks
    for row in range(1, 5):
        for part in ("service", "involved_from", "involved_to"):
            assert f"services_{row}_{part}" in blocks
    assert "referrer_telephone" in blocks
    assert len(harness.standin.views[view_id].blocks) <= 100


def test_family_rows_services_and_telephone_are_stored_encrypted(harness, database) -> None:
    view_id = open_referral_modal(harness)
    values = {**referral_values(agency_id(harness, "Health")), **FULL_ROWS}
    response = harness.driver.submit_view("U0DPH", values, view_id=view_id)
    harness.wait()

    assert body_json(response)["response_action"] == "update"
    [case] = cases(harness)
    personal = read_json(harness.runtime, case.id, case.personal_data)
    assert personal["family"] == [
        {
            "name": "Rowena Quillfeather",
            "relationship": "Mother",
            "dob": "1994-07-02",
            "address": "",
        },
        {
            "name": "Dale Smallwood",
            "relationship": "Stepfather",
            "dob": None,
            "address": "3 Tansy Row, Oldtown OT4 8ZZ",
        },
    ]
    assert personal["services"] == [
        {"service": "Health visiting", "involved_from": "2019-03-20", "involved_to": None},
        {
            "service": "Oldtown Nursery",
            "involved_from": "2023-09-04",
            "involved_to": "2026-11-18",
        },
    ]
    assert personal["referrer_telephone"] == "01632 960999"
    with harness.runtime.db.session() as session:
        ids = case_identifiers(session, harness.runtime.cipher, case.id)
    assert names_the_child("A letter went to Tansy Row.", ids)  # a family row's address
    assert names_the_child("Dale Smallwood was seen.", ids)
    assert not names_the_child("The referrer is on 01632 960999.", ids)  # not the family's
    text = all_calls_text(harness)
    raw = dbutil.sqlite_file_bytes(database)
    for value in (*FAMILY_NAMES, "Tansy", "1994-07-02", "01632 960999"):
        assert value not in text
        assert value.encode() not in raw


@pytest.mark.parametrize(
    ("answers", "block", "message"),
    [
        ({"family_2_name": "Rowena Quillfeather"}, "family_2_relationship", "relationship"),
        ({"family_4_relationship": "Mother"}, "family_4_name", "required"),
        (
            {
                "family_1_name": "Ivy",
                "family_1_relationship": "Sibling",
                "family_1_dob": "2027-01-01",
            },
            "family_1_dob",
            "in the future",
        ),
        ({"services_3_involved_from": "2024-01-01"}, "services_3_service", "required"),
        ({"services_1_service": "GP practice"}, "services_1_involved_from", "required"),
        (
            {
                "services_2_service": "GP practice",
                "services_2_involved_from": "2024-01-01",
                "services_2_involved_to": "2023-12-31",
            },
            "services_2_involved_to",
            "before the date the involvement began",
        ),
        (
            {"services_1_service": "GP practice", "services_1_involved_from": "2026-12-01"},
            "services_1_involved_from",
            "in the future",
        ),
        ({"referrer_telephone": "ring the office"}, "referrer_telephone", "telephone number"),
    ],
)
def test_bad_rows_come_back_inline_and_store_nothing(harness, answers, block, message) -> None:
    view_id = open_referral_modal(harness)
    values = {**referral_values(agency_id(harness, "Health")), **rows(**answers)}
    answer = body_json(tampered_submission(harness, "U0DPH", view_id, values))
    assert answer["response_action"] == "errors"
    assert message in answer["errors"][block], answer["errors"]
    assert cases(harness) == []
