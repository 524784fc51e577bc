from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, MultiFernet

from bot.crypto import CaseCipher, EncryptionKeyError, FieldCipher, cipher_for
from bot.settings import Settings


def _case_cipher(case_id: int = 7) -> CaseCipher:
    master = MultiFernet([Fernet(Fernet.generate_key())])
    return CaseCipher(case_id, Fernet(Fernet.generate_key()), master)


def test_round_trip_and_ciphertext_hides_the_value() -> None:
    cipher = _case_cipher()
    token = cipher.encrypt_json({"child_name": "Jamie Quillfeather"})
    assert b"Quillfeather" not in token and token.startswith(b"c7:")
    assert cipher.decrypt_json(token) == {"child_name": "Jamie Quillfeather"}


def test_another_key_cannot_read_it() -> None:
    token = _case_cipher().encrypt_text("secret")
    with pytest.raises(EncryptionKeyError):
        _case_cipher().decrypt_text(token)


def test_production_refuses_to_run_without_a_key() -> None:
    with pytest.raises(EncryptionKeyError, match="SCR_ENCRYPTION_KEY is not set"):
        cipher_for(None, allow_generated=False)


def test_development_generates_a_key_with_a_loud_warning(caplog) -> None:
    cipher = cipher_for(None, allow_generated=True)
    assert cipher.key_count == 1
    assert "Never do this in production" in caplog.text


def test_a_malformed_key_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(EncryptionKeyError, match=r"Fernet\.generate_key"):
        FieldCipher("not-a-key")


def test_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PORT", "4000")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"
    assert "xoxb-1" not in repr(settings)
    assert settings.slack_api_base_url == "http://127.0.0.1:9/api/"
    assert settings.port == 4000
    assert settings.database_url.startswith("sqlite:///")
    assert settings.scheduler_in_web is True
