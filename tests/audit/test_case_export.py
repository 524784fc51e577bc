"""`scr-bot case export`: everything held on a case, decrypted, in an archive sealed with a
password asked on the terminal; audited; refused for an unknown or purged case."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import select, update

import bot.cli
from bot.cli import main
from bot.services.cases import audit
from bot.testing.harness import Harness
from storage.models import AuditEvent, Base, Case
from tests.flow_helpers import cases, refer
from tests.referral.data import ADDRESS, CHILD_NAME

PASSWORD = "correct horse battery"


def _open(data: bytes, password: str) -> dict[str, object]:
    """Opens the archive by the documented format, not by the bot's own code."""
    assert data[:5] == b"SCRX1"
    salt, token = data[5:21], data[21:]
    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(password.encode())
    plain = Fernet(base64.urlsafe_b64encode(key)).decrypt(token)
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def _export(
    harness: Harness, monkeypatch, capsys, reference: str, out: Path, answers=None
) -> tuple[int, str]:
    typed = iter([PASSWORD, PASSWORD] if answers is None else answers)
    monkeypatch.setattr(bot.cli.getpass, "getpass", lambda prompt="": next(typed))
    monkeypatch.setattr(bot.cli.getpass, "getuser", lambda: "dpo")
    monkeypatch.setattr("bot.runtime.build_runtime", lambda settings: harness.runtime)
    code = main(["case", "export", reference, "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _exports(harness: Harness) -> list[AuditEvent]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "case.exported")))


@pytest.mark.postgres
def test_the_export_holds_the_whole_case_decrypted_and_is_audited(
    harness, monkeypatch, capsys, tmp_path
) -> None:
    refer(harness)
    case = cases(harness)[-1]
    with harness.runtime.db.session() as session:
        trail = len(audit.events_for(session, case.id))
    out = tmp_path / "export.scrx"

    code, output = _export(harness, monkeypatch, capsys, case.reference, out)

    assert code == 0, output
    assert CHILD_NAME not in output and ADDRESS not in output
    data = out.read_bytes()
    assert CHILD_NAME.encode() not in data and b"Larkspur" not in data
    assert out.stat().st_mode & 0o077 == 0
    files = _open(data, PASSWORD)
    manifest = files["manifest.json"]
    assert isinstance(manifest, dict)
    assert manifest["reference"] == case.reference and manifest["exported_by"] == "cli:dpo"
    [row] = files["cases.json"]  # type: ignore[misc]
    assert row["reference"] == case.reference
    assert CHILD_NAME in json.dumps(row["personal_data"]) and ADDRESS in json.dumps(row)
    tasks = files["tasks.json"]
    assert isinstance(tasks, list) and tasks and all(t["case_id"] == case.id for t in tasks)
    events = files["audit_events.json"]
    assert isinstance(events, list) and len(events) == trail
    assert manifest["rows"]["tasks"] == len(tasks)  # type: ignore[index]
    with_case_id = {t.name for t in Base.metadata.sorted_tables if "case_id" in t.c}
    hanging_off = {"panel_members", "panel_slots", "imr_recommendations", "overview_confirmations"}
    assert {f"{name}.json" for name in with_case_id | hanging_off} <= set(files)

    with pytest.raises(InvalidToken):
        _open(data, "the wrong password")

    [event] = _exports(harness)
    assert (event.actor, event.case_id) == ("cli:dpo", case.id)
    assert event.detail["file"] == "export.scrx" and str(tmp_path) not in json.dumps(event.detail)
    assert PASSWORD not in json.dumps(event.detail)


def test_unknown_reference_is_refused_and_nothing_written(
    harness, monkeypatch, capsys, tmp_path
) -> None:
    out = tmp_path / "export.scrx"
    code, output = _export(harness, monkeypatch, capsys, "SCR-2026-999", out, answers=[])
    assert code == 1
    assert "no case with the reference SCR-2026-999" in output
    assert not out.exists() and _exports(harness) == []


def test_a_purged_case_is_refused(harness, monkeypatch, capsys, tmp_path) -> None:
    refer(harness)
    case = cases(harness)[-1]
    with harness.runtime.db.session() as session:
        session.execute(update(Case).where(Case.id == case.id).values(personal_data=None))
    out = tmp_path / "export.scrx"
    code, output = _export(harness, monkeypatch, capsys, case.reference, out, answers=[])
    assert code == 1 and "purged" in output
    assert not out.exists() and _exports(harness) == []


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ([PASSWORD, PASSWORD + "x"], "do not match"),
        (["short", "short"], "at least 12 characters"),
    ],
)
def test_a_weak_or_mistyped_password_is_refused(
    harness, monkeypatch, capsys, tmp_path, answers, reason
) -> None:
    refer(harness)
    case = cases(harness)[-1]
    out = tmp_path / "export.scrx"
    code, output = _export(harness, monkeypatch, capsys, case.reference, out, answers)
    assert code == 1 and reason in output
    assert answers[0] not in output
    assert not out.exists() and _exports(harness) == []


def test_an_existing_file_is_never_overwritten(harness, monkeypatch, capsys, tmp_path) -> None:
    refer(harness)
    case = cases(harness)[-1]
    out = tmp_path / "export.scrx"
    out.write_bytes(b"keep me")
    code, output = _export(harness, monkeypatch, capsys, case.reference, out)
    assert code == 1 and "already exists" in output
    assert out.read_bytes() == b"keep me" and _exports(harness) == []
