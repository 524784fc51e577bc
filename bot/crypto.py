"""Encryption at rest for a case's personal data (Fernet: AES-128-CBC with HMAC)."""

from __future__ import annotations

import json
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bot.logging_setup import REDACTOR

log = logging.getLogger(__name__)


class EncryptionKeyError(RuntimeError):
    pass


class FieldCipher:
    """Every value it encrypts or decrypts is personal data of a case: it is registered with
    the log scrubber, so that no log line can carry it afterwards."""

    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(
                "SCR_ENCRYPTION_KEY is not a valid Fernet key "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from exc

    def encrypt_json(self, value: Any) -> bytes:
        REDACTOR.register(value)
        return self._fernet.encrypt(json.dumps(value, sort_keys=True).encode("utf-8"))

    def decrypt_json(self, token: bytes) -> Any:
        try:
            value = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise EncryptionKeyError("stored data cannot be decrypted with this key") from exc
        REDACTOR.register(value)
        return value

    def encrypt_text(self, value: str) -> bytes:
        REDACTOR.register(value)
        return self._fernet.encrypt(value.encode("utf-8"))

    def decrypt_text(self, token: bytes) -> str:
        try:
            value = self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken as exc:
            raise EncryptionKeyError("stored data cannot be decrypted with this key") from exc
        REDACTOR.register(value)
        return value


def cipher_for(key: str | None, *, allow_generated: bool) -> FieldCipher:
    """Production refuses to run without a key; development may make a throwaway one."""
    if key:
        return FieldCipher(key)
    if not allow_generated:
        raise EncryptionKeyError(
            "SCR_ENCRYPTION_KEY is not set. Case data is encrypted at rest and the bot will not "
            "start without a key. Generate one with: python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())'"
        )
    log.warning(
        "!!! SCR_ENCRYPTION_KEY is not set: using a throwaway key generated for this process. "
        "Data written now cannot be read after a restart. Never do this in production. !!!"
    )
    return FieldCipher(Fernet.generate_key())
