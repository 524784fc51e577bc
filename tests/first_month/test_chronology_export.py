"""The integrated chronology: every involved agency's entries merged in date order, uploaded
to the case channel as CSV and Word through Slack's three-step upload, for members only."""

from __future__ import annotations

import csv
import io

import pytest
from docx import Document
from sqlalchemy import select

from bot.ids import FirstMonthAction
from bot.services.first_month.files import HEADINGS
from storage.models import AuditEvent
from tests.first_month.helpers import card, channel_of, csv_bytes, open_case, share_file
from tests.flow_helpers import all_calls_text
from tests.referral.data import IDENTIFYING

HEALTH = [
    ("12/06/2025", "Health", "Dr K Okafor", "GP appointment: bruising noted", "yes", ""),
    ("03.05.25", "Health", "Nurse Aditi Rao", "Health visitor home visit", "yes", "no"),
]
POLICE = [
    ("01.06.25", "Police", "PC Hale", "Domestic incident attended", "no", "no"),
    ("20.11.26", "Police", "DS Rao", "Scene attended", "", ""),
]
STEM = "scr-2026-001-integrated-chronology"


def command(harness, user: str, text: str, channel: str | None = None) -> str:
    response = harness.driver.slash_command(user, text, channel_id=channel or channel_of(harness))
    harness.wait()
    return response.body.decode()


def two_agencies(harness) -> None:
    open_case(harness)
    command(harness, "U0CPU1", "agency add Police")
    share_file(harness, "U0DPH", csv_bytes(HEALTH))
    share_file(harness, "U0DPP", csv_bytes(POLICE))


def uploaded(harness) -> dict[str, bytes]:
    return {
        f.name: f.content
        for f in harness.standin.files.values()
        if f.user == harness.standin.bot_user_id and f.uploaded
    }


def responses_to(harness, user: str) -> list[str]:
    return [p.payload.get("text", "") for p in harness.standin.hook_posts if p.user == user]


@pytest.mark.postgres
def test_a_member_exports_the_integrated_chronology_to_the_case_channel(harness) -> None:
    two_agencies(harness)
    channel = channel_of(harness)

    command(harness, "U0CPU1", "chronology export")

    standin = harness.standin
    assert len(standin.calls_to("files.getUploadURLExternal")) == 2
    [complete] = standin.calls_to("files.completeUploadExternal")
    assert complete.ok and complete.args["channel_id"] == channel
    files = uploaded(harness)
    assert set(files) == {f"{STEM}.csv", f"{STEM}.docx"}
    [shared] = [
        m for m in standin.messages_in(channel) if m.files and m.user == standin.bot_user_id
    ]
    assert len(shared.files) == 2
    assert "integrated chronology, 4 entries from Health, Police, exported by <@U0CPU1>" in (
        shared.text
    )
    assert any("(4 entries) is in the case channel" in r for r in responses_to(harness, "U0CPU1"))

    table = Document(io.BytesIO(files[f"{STEM}.docx"])).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [
        list(HEADINGS),
        ["03.05.25", "Health", "Nurse Aditi Rao", "Health visitor home visit", "Yes", "No"],
        ["01.06.25", "Police", "PC Hale", "Domestic incident attended", "No", "No"],
        ["12.06.25", "Health", "Dr K Okafor", "GP appointment: bruising noted", "Yes", ""],
        ["20.11.26", "Police", "DS Rao", "Scene attended", "", ""],
    ]
    text = files[f"{STEM}.csv"]
    assert text.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(text.decode("utf-8-sig")))) == rows

    with harness.runtime.db.session() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "chronology.exported")
        ).all()
    assert (event.actor, event.detail["entries"], event.detail["agencies"]) == ("U0CPU1", 4, 2)


def test_no_child_identifying_value_reaches_slack_a_file_name_or_a_file(harness) -> None:
    two_agencies(harness)
    command(harness, "U0DPH", "chronology export")
    files = uploaded(harness)
    assert files
    everything = all_calls_text(harness) + str(list(files))
    contents = b"".join(files.values())
    docx_text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(files[f"{STEM}.docx"])).tables
        for row in table.rows
        for cell in row.cells
    )
    for value in IDENTIFYING:
        assert value not in everything
        assert value.encode() not in contents
        assert value not in docx_text


def test_the_card_button_exports_once_for_a_double_click(harness) -> None:
    two_agencies(harness)
    message = card(harness)
    for _ in range(2):
        harness.driver.block_action(
            "U0DPH",
            FirstMonthAction.CHRONOLOGY_EXPORT.value,
            channel_id=message.channel,
            message_ts=message.ts,
        )
        harness.wait()
    assert len(harness.standin.calls_to("files.completeUploadExternal")) == 1
    assert any("exported a moment ago" in r for r in responses_to(harness, "U0DPH"))

    share_file(harness, "U0DPH", csv_bytes([("04.05.25", "Health", "Nurse Rao", "Call", "", "")]))
    harness.driver.block_action(
        "U0DPH",
        FirstMonthAction.CHRONOLOGY_EXPORT.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    assert len(harness.standin.calls_to("files.completeUploadExternal")) == 2


def test_only_members_of_the_case_can_export(harness) -> None:
    two_agencies(harness)
    message = card(harness)
    harness.driver.block_action(
        "U0OUTSIDER",
        FirstMonthAction.CHRONOLOGY_EXPORT.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    assert any("Only members of the case" in r for r in responses_to(harness, "U0OUTSIDER"))
    dm = harness.standin.im_with("U0OUTSIDER")
    refusal = command(harness, "U0OUTSIDER", "chronology export SCR-2026-001", channel=dm)
    assert "case you are a member of" in refusal
    assert harness.standin.calls_to("files.getUploadURLExternal") == []
    with harness.runtime.db.session() as session:
        exported = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "chronology.exported")
        ).all()
    assert exported == []


def test_a_failed_upload_can_be_tried_again_at_once(harness) -> None:
    two_agencies(harness)
    harness.standin.fail("files.completeUploadExternal", status=500, times=10)
    command(harness, "U0CPU1", "chronology export")
    assert any("Slack did not take the files" in r for r in responses_to(harness, "U0CPU1"))
    harness.standin.clear_faults()
    command(harness, "U0CPU1", "chronology export")
    assert [c.ok for c in harness.standin.calls_to("files.completeUploadExternal")][-1] is True


def test_a_removed_agency_drops_out_of_the_integrated_chronology(harness) -> None:
    two_agencies(harness)
    command(harness, "U0CPU1", "agency remove Police added in error")
    command(harness, "U0CPU1", "chronology export")
    table = Document(io.BytesIO(uploaded(harness)[f"{STEM}.docx"])).tables[0]
    assert [row.cells[1].text for row in table.rows][1:] == ["Health", "Health"]
