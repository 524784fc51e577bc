"""Chronology files shared in Slack: fetched with the bot token, checked whole, stored
whole or refused whole with every problem by row, never quoting a cell."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from storage.models import ChronologyBatch
from tests.first_month.helpers import (
    audit_actions,
    card_text,
    channel_of,
    csv_bytes,
    entries,
    open_case,
    replies_to,
    share_file,
    task,
)
from tests.flow_helpers import all_calls_text
from tests.sealed import read_text

GOOD = [
    (
        "03.05.25",
        "Health",
        "Nurse Aditi Rao",
        "Health visitor home visit; growth checked",
        "yes",
        "no",
    ),
    ("12/06/2025", "Health", "Dr K Okafor", "GP appointment: bruising noted", "Y", ""),
    ("20.11.26", "health", "Nurse Aditi Rao", "A&E attendance", "no", "n/a"),
]
SECRET = "Jamie Quillfeather"
"""A child's name written into a cell: it must never come back in a reply."""


def batches(harness) -> list[ChronologyBatch]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(ChronologyBatch).order_by(ChronologyBatch.id)))


@pytest.mark.postgres
def test_a_good_file_is_stored_whole_and_encrypted(harness) -> None:
    open_case(harness)
    share_file(harness, "U0DPH", csv_bytes(GOOD))

    stored = entries(harness, "Health")
    assert [(e.entry_date.isoformat(), e.child_seen, e.wishes_sought) for e in stored] == [
        ("2025-05-03", True, False),
        ("2025-06-12", True, None),
        ("2026-11-20", False, None),
    ]
    row = stored[1]
    assert read_text(harness.runtime, row.case_id, row.worker) == "Dr K Okafor"
    assert read_text(harness.runtime, row.case_id, row.event) == "GP appointment: bruising noted"
    assert b"Okafor" not in stored[1].worker
    said = [m.text for m in harness.standin.messages_in(channel_of(harness))]
    assert any(
        "3 entries added to Health's chronology from a file shared by <@U0DPH> (3 in all)." in t
        for t in said
    )
    assert "3 entries · due Thu 24 Dec (deadline Sun 27 Dec)" in card_text(harness)
    assert "chronology.accepted" in audit_actions(harness)
    [info] = harness.standin.calls_to("files.info")
    assert info.ok


def test_a_spreadsheet_saved_as_csv_with_a_bom_and_semicolons(harness) -> None:
    open_case(harness)
    content = csv_bytes(GOOD, bom=True, delimiter=";")
    assert content.startswith(b"\xef\xbb\xbf")
    share_file(harness, "U0DPH", content)
    assert len(entries(harness)) == 3
    first = entries(harness)[0]
    assert read_text(harness.runtime, first.case_id, first.event) == GOOD[0][3]


@pytest.mark.parametrize(
    ("rows", "heading", "expected"),
    [
        (
            [("2025-05-03", "Health", "Nurse Rao", "Visit", "", "")],
            None,
            ["row 2: date: not a date (use dd.mm.yy or dd/mm/yyyy)"],
        ),
        (
            [("05/13/2025", "Health", "Nurse Rao", "Visit", "", ""), GOOD[0]],
            None,
            ["row 2: date: no such day (use dd.mm.yy or dd/mm/yyyy, day first)"],
        ),
        (
            [GOOD[0], ("3rd May 2025", "Health", "Nurse Rao", SECRET, "", "")],
            None,
            ["row 3: date: not a date (use dd.mm.yy or dd/mm/yyyy)"],
        ),
        (
            [("28.11.26", "Health", "Nurse Rao", f"Saw {SECRET}", "", "")],
            None,
            ["row 2: date: in the future"],
        ),
        (
            [("03.05.95", "Health", "Nurse Rao", "Visit", "", "")],
            None,
            ["row 2: date: in the future (write years before 2000 in full: dd/mm/yyyy)"],
        ),
        (
            [GOOD[0], ("01.01.26", "Health", "", "", "maybe", "")],
            None,
            [
                "row 3: name of worker: required; event/action: required; "
                "child seen: answer yes or no, or leave it blank"
            ],
        ),
        (
            [("01.01.26", "Police", "PC Hale", "Visit", "", "")],
            None,
            ["row 2: agency: not Health (each agency uploads its own entries)"],
        ),
        (
            [("01.01.26", "Nurse Rao", "Visit")],
            ("Date", "Name of worker", "Event/action"),
            ["missing column(s): agency."],
        ),
        (
            [("01.01.26", "Health", "Nurse Rao", "Visit", SECRET)],
            ("Date", "Agency", "Name of worker", "Event/action", "Child's name"),
            ["row 1: column 5 has a heading I don't recognise"],
        ),
        ([], None, ["The file has no entries below its heading row."]),
    ],
)
def test_a_bad_file_is_refused_whole_with_its_rows_and_reasons(
    harness, rows, heading, expected
) -> None:
    open_case(harness)
    content = csv_bytes(rows, heading=heading) if heading else csv_bytes(rows)
    share_file(harness, "U0DPH", content)

    assert entries(harness) == []
    [reply] = [r for r in replies_to(harness, "U0DPH") if "was not added" in r]
    assert "nothing from it was stored" in reply
    [ephemeral] = harness.standin.ephemerals_for("U0DPH")
    problems = str(ephemeral.blocks)
    for line in expected:
        assert line in problems
    assert SECRET not in all_calls_text(harness)
    assert [b.status for b in batches(harness)] == ["rejected"]
    assert "chronology.rejected" in audit_actions(harness)


def test_every_bad_row_is_listed_and_a_long_list_is_cut(harness) -> None:
    open_case(harness)
    rows = [("31.02.26", "Health", "Nurse Rao", "Visit", "", "")] * 40
    share_file(harness, "U0DPH", csv_bytes([GOOD[0], *rows]))
    [ephemeral] = harness.standin.ephemerals_for("U0DPH")
    problems = str(ephemeral.blocks)
    assert "row 3: date: no such day" in problems and "row 27: date" in problems
    assert "row 28:" not in problems and "…and 15 more." in problems
    assert entries(harness) == []


def test_non_utf8_bytes_are_refused_clearly(harness) -> None:
    open_case(harness)
    content = csv_bytes(GOOD[:1]) + "03.05.25,Health,Zoë Clarke,Visit,,\n".encode("cp1252")
    share_file(harness, "U0DPH", content)
    assert entries(harness) == []
    [ephemeral] = harness.standin.ephemerals_for("U0DPH")
    text = str(ephemeral.blocks)
    assert "not UTF-8 text (the first problem is on line 3)" in text
    assert "CSV UTF-8 (Comma delimited)" in text


def test_ten_thousand_rows(harness) -> None:
    open_case(harness)
    rows = [
        (f"{1 + i % 28:02d}.{1 + i % 12:02d}.{15 + i % 10:02d}", "Health", f"Worker {i % 97}",
         f"Contact number {i}", "yes" if i % 2 else "no", "")
        for i in range(10_000)
    ]  # fmt: skip
    started = time.monotonic()
    share_file(harness, "U0DPH", csv_bytes(rows))
    elapsed = time.monotonic() - started
    assert len(entries(harness, "Health")) == 10_000
    assert "10,000 entries added to Health's chronology" in str(
        [m.text for m in harness.standin.messages_in(channel_of(harness))]
    )
    assert elapsed < 60, f"10,000 rows took {elapsed:.1f} s"


def test_the_same_event_twice_stores_the_file_once(harness) -> None:
    open_case(harness)
    share_file(harness, "U0DPH", csv_bytes(GOOD))
    harness.driver.redeliver()
    harness.wait()
    assert len(entries(harness)) == 3
    assert len(batches(harness)) == 1


def test_the_same_rows_uploaded_again_are_left_out(harness) -> None:
    open_case(harness)
    share_file(harness, "U0DPH", csv_bytes(GOOD))
    more = ("21.11.26", "Health", "Nurse Aditi Rao", "Strategy meeting", "", "")
    share_file(harness, "U0DPH", csv_bytes([*GOOD, more]))
    assert len(entries(harness)) == 4
    said = [m.text for m in harness.standin.messages_in(channel_of(harness))]
    assert any("1 entry added" in t and "3 rows were already in" in t for t in said)


def test_a_file_in_the_bots_dm_names_its_case(harness) -> None:
    open_case(harness)
    dm = harness.standin.im_with("U0RLH")
    share_file(harness, "U0RLH", csv_bytes(GOOD), channel=dm, filename="SCR-2026-001 health.csv")
    assert len(entries(harness, "Health")) == 3
    assert any("3 entries added" in r for r in replies_to(harness, "U0RLH"))


def test_files_that_are_not_chronologies_or_not_yours(harness) -> None:
    open_case(harness)
    channel = channel_of(harness)
    file_id = harness.standin.add_user_file("U0DPH", channel, "minutes.docx", b"PK\x03\x04", "docx")
    replies = len(replies_to(harness, "U0DPH"))
    harness.driver.file_shared("U0DPH", file_id, channel)
    harness.wait()
    assert len(replies_to(harness, "U0DPH")) == replies
    assert batches(harness) == []
    share_file(harness, "U0CPU1", csv_bytes(GOOD))
    assert entries(harness) == []
    assert any("submitted by the involved agencies" in r for r in replies_to(harness, "U0CPU1"))
    assert all(b.agency_id is not None for b in batches(harness))


def test_entries_before_the_period_under_review_are_refused(harness) -> None:
    open_case(harness)
    response = harness.driver.slash_command(
        "U0CPU1", "chronology period 01.01.2025", channel_id=channel_of(harness)
    )
    harness.wait()
    assert "from 01.01.2025" in response.body.decode()
    share_file(harness, "U0DPH", csv_bytes([("31.12.24", "Health", "Nurse Rao", "Visit", "", "")]))
    assert entries(harness) == []
    [ephemeral] = harness.standin.ephemerals_for("U0DPH")
    assert "row 2: date: before the period under review (from 01.01.2025)" in str(ephemeral.blocks)


def test_a_completed_chronology_task_is_untouched_by_uploads(harness) -> None:
    open_case(harness)
    share_file(harness, "U0DPH", csv_bytes(GOOD))
    assert task(harness, "chronology_submitted", "Health").status == "open"


def test_entries_after_the_end_of_the_period_are_refused(harness) -> None:
    open_case(harness)
    harness.driver.slash_command(
        "U0CPU1", "chronology period 01.01.25 30.06.25", channel_id=channel_of(harness)
    )
    harness.wait()
    share_file(harness, "U0DPH", csv_bytes(GOOD))
    assert entries(harness) == []
    [ephemeral] = harness.standin.ephemerals_for("U0DPH")
    problems = str(ephemeral.blocks)
    assert "row 4: date: after the period under review (to 30.06.2025)" in problems
    assert "row 2:" not in problems and "row 3:" not in problems


def test_only_the_cpu_or_admins_set_the_period(harness) -> None:
    open_case(harness)
    response = harness.driver.slash_command(
        "U0DPH", "chronology period 01.01.25", channel_id=channel_of(harness)
    )
    harness.wait()
    assert "Only the CPU or the Board business unit" in response.body.decode()
    share_file(harness, "U0DPH", csv_bytes(GOOD))
    assert len(entries(harness)) == 3


def test_the_bots_own_files_are_not_read_back(harness) -> None:
    open_case(harness)
    share_file(harness, "U0DPH", csv_bytes(GOOD))
    harness.driver.slash_command("U0CPU1", "chronology export", channel_id=channel_of(harness))
    harness.wait()
    [exported] = [
        f for f in harness.standin.files.values()
        if f.user == harness.standin.bot_user_id and f.name.endswith(".csv")
    ]  # fmt: skip
    infos = len(harness.standin.calls_to("files.info"))
    harness.driver.file_shared(harness.standin.bot_user_id, exported.id, channel_of(harness))
    harness.wait()
    assert len(harness.standin.calls_to("files.info")) == infos
    assert len(entries(harness)) == 3
