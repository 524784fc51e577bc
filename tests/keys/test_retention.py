"""Retention by crypto-shredding: a signed-off case's personal data is erased N years after
sign-off by destroying its data key; the business unit is told 30 days before and afterwards,
once each; the anonymised record and the audit chain stay; `scr-bot retention --dry-run`
lists what is due and changes nothing; a case not signed off is never erased."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select, update

from bot.cli import main
from bot.crypto import CaseDataErasedError
from bot.handlers.adapter import ERASED
from bot.jobs.worker import tick
from bot.services.cases.audit import verify_chain
from bot.services.cases.export import ExportRefusedError, exportable, gather
from bot.services.cases.records import case_tables, encrypted_columns
from storage.models import AuditEvent, Case, CaseKey, Recommendation, Task
from tests.flow_helpers import cases, refer
from tests.monitoring.monitoring_helpers import (
    PLAN,
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
)
from tests.monitoring.test_action_plan_entry import listing
from tests.monitoring.test_monitoring_sign_off import click_sign_off, implemented
from tests.referral.data import CHILD_NAME, IDENTIFYING

NOTICE_DAY = london(2033, 12, 5, 10)  # 30 days before 4 January 2034
ERASE_DAY = london(2034, 1, 4, 0, 5)


@pytest.fixture
def signed_off(harness):
    """A case signed off on Monday 4 January 2027 (erasure: 4 January 2034, seven years on),
    and a case referred beside it that is never signed off."""
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    implemented(harness, case, 1, 2, 3)
    click_sign_off(harness, "U0ADMIN", listing(harness, "U0ADMIN", channel_id=case.channel_id))
    refer(harness, "U0DPP", "Police")
    return case


def _dms(harness, words: str) -> list[str]:
    return [m.text for m in harness.standin.dms_to("U0ADMIN") if words in m.text]


def _dry_run(harness, monkeypatch, capsys) -> dict[str, list[str]]:
    """The listing's rows by reference: signed off, erasure, notice sent, due now."""
    monkeypatch.setattr("bot.runtime.build_runtime", lambda settings: harness.runtime)
    assert main(["retention", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == [
        "reference",
        "signed",
        "off",
        "erasure",
        "notice",
        "sent",
        "due",
        "now",
    ]
    return {line.split()[0]: line.split()[1:] for line in lines[2:] if line.startswith("SCR-")}


def _audit(harness) -> list[str]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _record(harness, case_id: int) -> tuple:
    """What stays of a case after erasure: reference, stage, dates, task and audit counts."""
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        tasks = session.scalar(select(func.count(Task.id)).where(Task.case_id == case_id))
        recs = session.scalar(
            select(func.count(Recommendation.id)).where(Recommendation.case_id == case_id)
        )
        return (case.reference, case.stage, case.referral_date, case.closed_at, tasks, recs)


@pytest.mark.postgres
def test_a_signed_off_case_is_erased_on_its_date_and_the_record_stays(
    harness, signed_off, monkeypatch, capsys
) -> None:
    case = signed_off
    other = cases(harness)[-1]
    master = Fernet(harness.runtime.settings.encryption_key.get_secret_value())
    with harness.runtime.db.session() as session:
        # A value from before per-case keys, under the master key: erased with the rest.
        legacy = master.encrypt(b"Closed: superseded by the new protocol")
        session.execute(
            update(Recommendation)
            .where(Recommendation.case_id == case.id, Recommendation.number == 1)
            .values(closure_reason=legacy)
        )
    record = _record(harness, case.id)

    harness.clock.set(NOTICE_DAY.replace(day=4))
    tick(harness.runtime)
    assert _dms(harness, "will be erased") == []
    listed = _dry_run(harness, monkeypatch, capsys)
    assert listed == {case.reference: ["2027-01-04", "2034-01-04", "no", "-"]}

    harness.clock.set(NOTICE_DAY)
    trail = len(_audit(harness))
    listed = _dry_run(harness, monkeypatch, capsys)
    assert listed == {case.reference: ["2027-01-04", "2034-01-04", "no", "notice"]}
    assert len(_audit(harness)) == trail and _dms(harness, "will be erased") == []
    tick(harness.runtime)
    tick(harness.runtime)
    [notice] = _dms(harness, "will be erased")
    assert notice.startswith(f"{case.reference}: its personal data will be erased on")
    assert "Wed 4 Jan 2034" in notice and "scr-bot case export" in notice
    assert _audit(harness).count("case.erasure_notice") == 1
    assert _dry_run(harness, monkeypatch, capsys)[case.reference][2:] == ["2033-12-05", "-"]

    harness.clock.set(london(2034, 1, 3, 16))
    tick(harness.runtime)
    with harness.runtime.db.session() as session:
        assert session.get(CaseKey, case.id).destroyed_at is None

    harness.clock.set(ERASE_DAY)
    assert _dry_run(harness, monkeypatch, capsys)[case.reference][2:] == ["2033-12-05", "erase"]
    tick(harness.runtime)  # just after midnight: erased at once, told in working hours
    assert _dms(harness, "was erased") == []
    with harness.runtime.db.session() as session:
        key = session.get(CaseKey, case.id)
        assert key.wrapped_key is None and key.destroyed_at == ERASE_DAY
        assert session.get(Case, case.id).personal_data is None
        with pytest.raises(CaseDataErasedError, match="erased under the retention policy"):
            harness.runtime.cipher.for_case(session, case.id)
        with pytest.raises(CaseDataErasedError):
            gather(session, harness.runtime.cipher, case.id)
        with pytest.raises(ExportRefusedError, match="purged"):
            exportable(session, case.reference)
        stored = [
            bytes(row[column.name])
            for found in case_tables(session, case.id)
            for column in encrypted_columns(found.table)
            for row in found.rows
            if row[column.name] is not None
        ]
    assert stored and all(token.startswith(b"c%d:" % case.id) for token in stored)
    for token in stored:
        with pytest.raises(InvalidToken):
            master.decrypt(token)
    assert _record(harness, case.id) == record
    assert _audit(harness).count("case.erased") == 1

    harness.clock.set(london(2034, 1, 4, 10))
    tick(harness.runtime)
    tick(harness.runtime)
    [done] = _dms(harness, "was erased")
    assert done.startswith(f"{case.reference}: its personal data was erased on Wed 4 Jan 2034")
    for value in IDENTIFYING:
        assert value not in notice and value not in done
    assert _audit(harness).count("case.erasure_reported") == 1
    assert _dry_run(harness, monkeypatch, capsys) == {}

    # Reading the erased case through Slack gets a clear answer, not a failure.
    answer = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    assert ERASED in str(answer)

    # The case never signed off keeps everything; the audit chain still verifies.
    with harness.runtime.db.session() as session:
        kept = harness.runtime.cipher.for_case(session, other.id)
        row = session.get(Case, other.id)
        assert kept.decrypt_json(row.personal_data)["child_name"] == CHILD_NAME
        assert verify_chain(session).intact


def test_retention_runs_now_from_the_command_line(harness, signed_off, monkeypatch, capsys):
    case = signed_off
    monkeypatch.setattr("bot.runtime.build_runtime", lambda settings: harness.runtime)
    harness.clock.set(NOTICE_DAY)
    assert main(["retention"]) == 0
    assert "erased: 0; notices sent: 1" in capsys.readouterr().out
    harness.clock.set(london(2034, 1, 4, 10))
    assert main(["retention"]) == 0
    assert f"erased: 1 {case.reference}; notices sent: 0; erasures reported: 1" in (
        capsys.readouterr().out
    )
