"""Envelope encryption: each case's values under its own data key, the data key wrapped by
the master key (SCR_ENCRYPTION_KEY, several comma-separated, newest first)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import ValidationError
from sqlalchemy import select

from bot.cli import main
from bot.crypto import EncryptionKeyError, FieldCipher
from bot.settings import Settings
from storage.models import Case, CaseKey
from tests.flow_helpers import refer
from tests.referral.data import CHILD_NAME
from tests.sealed import read_json


def _raw(harness) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """Each case's stored referral and wrapped data key, as the database holds them."""
    with harness.runtime.db.session() as session:
        data = {c.id: bytes(c.personal_data) for c in session.scalars(select(Case))}
        keys = {k.case_id: bytes(k.wrapped_key) for k in session.scalars(select(CaseKey))}
    return data, keys


def _master(harness) -> MultiFernet:
    key = harness.runtime.settings.encryption_key.get_secret_value()
    return MultiFernet([Fernet(k) for k in key.split(",")])


@pytest.mark.postgres
def test_two_cases_values_are_under_different_data_keys(harness) -> None:
    refer(harness, "U0DPH", "Health")
    refer(harness, "U0DPP", "Police")
    data, wrapped = _raw(harness)
    first, second = sorted(data)
    assert set(wrapped) == {first, second}

    master = _master(harness)
    data_keys = {case_id: master.decrypt(token) for case_id, token in wrapped.items()}
    assert data_keys[first] != data_keys[second]
    for case_id, token in data.items():
        prefix, _, body = token.partition(b":")
        assert prefix == b"c%d" % case_id and CHILD_NAME.encode() not in token
        assert CHILD_NAME in Fernet(data_keys[case_id]).decrypt(body).decode()
        other = second if case_id == first else first
        with pytest.raises(InvalidToken):
            Fernet(data_keys[other]).decrypt(body)
        with pytest.raises(InvalidToken):  # the master key alone reads no value
            master.decrypt(body)

    # A value moved onto another case's row is refused, relabelled or not.
    with harness.runtime.db.session() as session:
        sealed = harness.runtime.cipher.for_case(session, second)
        with pytest.raises(EncryptionKeyError, match="belongs to another case"):
            sealed.decrypt_json(data[first])
        relabelled = b"c%d:" % second + data[first].partition(b":")[2]
        with pytest.raises(EncryptionKeyError, match="does not fit the case's data key"):
            sealed.decrypt_json(relabelled)
    assert read_json(harness.runtime, first, data[first])["child_name"] == CHILD_NAME


def test_a_case_key_made_in_a_rolled_back_transaction_is_never_used(harness) -> None:
    refer(harness)
    [case_id] = _raw(harness)[0]
    cipher = harness.runtime.cipher
    with harness.runtime.db.session() as session:
        session.delete(session.get(CaseKey, case_id))
    with pytest.raises(RuntimeError), harness.runtime.db.session() as session:
        lost = cipher.for_case(session, case_id).encrypt_text("rolled back")
        raise RuntimeError("the request failed")
    with harness.runtime.db.session() as session:
        assert session.get(CaseKey, case_id) is None
        kept = cipher.for_case(session, case_id)
        token = kept.encrypt_text("kept")
    with harness.runtime.db.session() as session:
        again = cipher.for_case(session, case_id)
        assert again.decrypt_text(token) == "kept"
        with pytest.raises(EncryptionKeyError):
            again.decrypt_text(lost)


def test_values_written_under_the_master_key_are_still_read(harness) -> None:
    refer(harness)
    case_id = next(iter(_raw(harness)[0]))
    legacy = _master(harness).encrypt(b'{"child_name": "Jamie Quillfeather"}')
    assert legacy.startswith(b"gAAAAA")
    assert read_json(harness.runtime, case_id, legacy) == {"child_name": CHILD_NAME}


def test_a_wrong_master_key_is_refused_clearly_and_names_no_data(harness) -> None:
    refer(harness)
    data, _ = _raw(harness)
    [(case_id, token)] = data.items()
    stranger = FieldCipher(Fernet.generate_key())
    with harness.runtime.db.session() as session, pytest.raises(EncryptionKeyError) as refused:
        stranger.for_case(session, case_id)
    message = str(refused.value)
    assert "cannot be unwrapped with any key in SCR_ENCRYPTION_KEY" in message
    assert CHILD_NAME not in message and "Quillfeather" not in repr(refused.value.__cause__)
    legacy = Fernet(Fernet.generate_key()).encrypt(b"x")
    with harness.runtime.db.session() as session:
        sealed = harness.runtime.cipher.for_case(session, case_id)
        with pytest.raises(EncryptionKeyError, match="cannot be decrypted with any key"):
            sealed.decrypt_text(legacy)
    assert token  # untouched


def test_the_setting_takes_several_keys_and_names_a_bad_one_by_position() -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = Settings.model_validate({"SCR_ENCRYPTION_KEY": f" {new} , {old} "})
    assert settings.encryption_key is not None
    assert settings.encryption_key.get_secret_value() == f"{new},{old}"
    assert FieldCipher(settings.encryption_key.get_secret_value()).key_count == 2
    for value, position in ((f"{new},not-a-key", "2nd"), (f"{new},,{old}", "2nd")):
        with pytest.raises(ValidationError) as refused:
            Settings.model_validate({"SCR_ENCRYPTION_KEY": value})
        assert f"the {position} key in SCR_ENCRYPTION_KEY" in str(refused.value)
        assert new not in str(refused.value) and "not-a-key" not in str(refused.value)


def test_the_command_line_refuses_a_malformed_key_without_echoing_it(monkeypatch, capsys) -> None:
    good = Fernet.generate_key().decode()
    monkeypatch.setenv("SCR_ENCRYPTION_KEY", f"{good},secret-but-wrong")
    assert main(["keys", "rotate"]) == 2
    err = capsys.readouterr().err
    assert "the 2nd key in SCR_ENCRYPTION_KEY is not a valid Fernet key" in err
    assert good not in err and "secret-but-wrong" not in err
