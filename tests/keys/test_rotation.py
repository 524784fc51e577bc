"""`scr-bot keys rotate` while the bot answers Slack: deploy with SCR_ENCRYPTION_KEY="new,old",
rotate, then drop the old key. Values from before per-case keys (under the master key) are
still read, and rotation moves them under their case's data key."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select, update

from bot.cli import main
from bot.crypto import EncryptionKeyError, FieldCipher, is_case_token
from bot.ids import FirstMonthAction, Job
from bot.ids import FirstMonthBlock as B
from bot.jobs.outbox import drain
from bot.services.cases.export import gather
from bot.services.cases.records import case_tables, encrypted_columns
from bot.testing.harness import make_settings, start_harness
from storage.models import AgencySynopsis, Case, CaseKey
from tests.first_month.helpers import values
from tests.flow_helpers import body_json, cases, refer, refer_unopened
from tests.referral.data import CHILD_NAME

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
REFERRERS = (("U0DPP", "Police"), ("U0DPC", "Children's Services"), ("U0DPE", "Education"))
ROUNDS = 3


@pytest.fixture
def old_key_harness(standin, database, clock):
    url = database.engine.url.render_as_string(hide_password=False)
    h = start_harness(
        standin, database, clock, settings=make_settings(standin, url, SCR_ENCRYPTION_KEY=OLD)
    )
    yield h
    h.close()


def _values_of(session, case_id: int) -> list[bytes]:
    return [
        bytes(row[column.name])
        for found in case_tables(session, case_id)
        for column in encrypted_columns(found.table)
        for row in found.rows
        if row[column.name] is not None
    ]


def first_briefing(harness, user: str):
    found = [m for m in harness.standin.dms_to(user) if "secure its records" in m.text]
    return found[0]


def _synopsis(harness, where: tuple[str, str], text: str) -> None:
    channel, ts = where
    harness.driver.block_action(
        "U0RLH", FirstMonthAction.SYNOPSIS.value, channel_id=channel, message_ts=ts
    )
    harness.wait()
    view = harness.standin.open_view_for("U0RLH")
    response = harness.driver.submit_view(
        "U0RLH", values({B.SYNOPSIS.value: text}), view_id=view.id
    )
    assert response.status == 200 and "errors" not in body_json(response)
    harness.wait()


@pytest.mark.postgres
def test_rotation_while_serving_then_the_old_key_is_dropped(
    old_key_harness, monkeypatch, capsys
) -> None:
    harness = old_key_harness
    refer(harness, "U0DPH", "Health")
    refer(harness, "U0DPH", "Health")
    first, second = (c.id for c in cases(harness))
    old = Fernet(OLD)
    with harness.runtime.db.session() as session:
        # Values from before per-case keys: the first case's referral is under the master key;
        # the second case has no data key at all (opened before the upgrade).
        legacy = old.encrypt(read_referral(harness, session, first))
        session.execute(update(Case).where(Case.id == first).values(personal_data=legacy))
        legacy = old.encrypt(read_referral(harness, session, second))
        session.execute(delete(CaseKey).where(CaseKey.case_id == second))
        session.execute(update(Case).where(Case.id == second).values(personal_data=legacy))
    message = first_briefing(harness, "U0RLH")
    synopsis_on = (message.channel, message.ts)
    _synopsis(harness, synopsis_on, "Health visiting from birth.")

    # 1) deploy with "new,old"
    harness.runtime.cipher = FieldCipher(f"{NEW},{OLD}", harness.clock)
    failures: list[BaseException] = []
    served: list[tuple[float, float]] = []
    start = threading.Barrier(len(REFERRERS) + 2)

    def referring(user: str, agency: str) -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                began = time.monotonic()
                response = refer(harness, user, agency)
                served.append((began, time.monotonic()))
                assert response.status == 200 and "errors" not in body_json(response)
        except BaseException as exc:
            failures.append(exc)

    def revising() -> None:
        try:
            start.wait()
            for n in range(ROUNDS):
                began = time.monotonic()
                _synopsis(harness, synopsis_on, f"Health visiting from birth. Revision {n}.")
                served.append((began, time.monotonic()))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=referring, args=pair) for pair in REFERRERS]
    threads.append(threading.Thread(target=revising))
    for thread in threads:
        thread.start()

    # 2) `scr-bot keys rotate`, while those requests are served
    monkeypatch.setenv("SCR_ENCRYPTION_KEY", f"{NEW},{OLD}")
    monkeypatch.setattr("bot.runtime.build_runtime", lambda settings: harness.runtime)
    start.wait()
    rotating = time.monotonic()
    assert main(["keys", "rotate"]) == 0
    rotated = time.monotonic()
    for thread in threads:
        thread.join(timeout=120)
    harness.wait()
    printed = capsys.readouterr().out
    assert failures == []
    assert any(began < rotated and ended > rotating for began, ended in served)
    assert "data keys made for cases that had none: 1" in printed
    assert "values moved from the master key to their case's data key: 2" in printed
    assert "the others can be dropped" in printed

    # Every request made during rotation had its effect.
    assert len(cases(harness)) == 2 + len(REFERRERS) * ROUNDS
    with harness.runtime.db.session() as session:
        synopsis = session.scalars(select(AgencySynopsis)).one()
        assert synopsis.revision == 1 + ROUNDS

    # 3) drop the old key: everything still decrypts, nothing is left under a master key.
    new_only = FieldCipher(NEW)
    with harness.runtime.db.session() as session:
        for case in session.scalars(select(Case)):
            tables = gather(session, new_only, case.id)
            assert CHILD_NAME in str(tables["cases"][0]["personal_data"])
            assert all(is_case_token(token) for token in _values_of(session, case.id))
        for key in session.scalars(select(CaseKey)):
            with pytest.raises(InvalidToken):
                old.decrypt(bytes(key.wrapped_key))
        text = new_only.for_case(session, synopsis.case_id).decrypt_text(synopsis.text)
        assert text.endswith(f"Revision {ROUNDS - 1}.")
    old_only = FieldCipher(OLD)
    with harness.runtime.db.session() as session, pytest.raises(EncryptionKeyError):
        old_only.for_case(session, first)


def read_referral(harness, session, case_id: int) -> bytes:
    case = session.get(Case, case_id)
    data: Any = harness.runtime.cipher.for_case(session, case_id).decrypt_json(case.personal_data)
    return json.dumps(data, sort_keys=True).encode()


def test_rotating_twice_changes_nothing_more(old_key_harness, monkeypatch, capsys) -> None:
    harness = old_key_harness
    refer(harness)
    harness.runtime.cipher = FieldCipher(f"{NEW},{OLD}")
    monkeypatch.setenv("SCR_ENCRYPTION_KEY", f"{NEW},{OLD}")
    monkeypatch.setattr("bot.runtime.build_runtime", lambda settings: harness.runtime)
    assert main(["keys", "rotate"]) == 0
    assert "re-wrapped under the first master key: 1" in capsys.readouterr().out
    assert main(["keys", "rotate"]) == 0
    second = capsys.readouterr().out
    assert "re-wrapped under the first master key: 0" in second
    assert "data keys already under it: 1" in second


def test_a_referral_waiting_to_be_opened_is_resealed_and_opens_under_the_new_key_alone(
    old_key_harness, monkeypatch, capsys
) -> None:
    harness = old_key_harness
    refer_unopened(harness)  # the worker is down: the referral waits, sealed under OLD

    harness.runtime.cipher = FieldCipher(f"{NEW},{OLD}")
    monkeypatch.setenv("SCR_ENCRYPTION_KEY", f"{NEW},{OLD}")
    monkeypatch.setattr("bot.runtime.build_runtime", lambda settings: harness.runtime)
    assert main(["keys", "rotate"]) == 0
    assert "re-sealed under the first master key: 1" in capsys.readouterr().out

    harness.runtime.cipher = FieldCipher(NEW)  # the old key dropped
    assert drain(harness.runtime).completed(Job.CASE_OPEN) == 1
    [case] = cases(harness)
    with harness.runtime.db.session() as session:
        assert CHILD_NAME.encode() in read_referral(harness, session, case.id)
