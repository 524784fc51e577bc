"""Encryption at rest for a case's personal data: envelope encryption with Fernet (AES-128-CBC
with HMAC).

Each case has its own data key, a Fernet key made when the case first stores something. It is
kept in `case_keys`, wrapped (encrypted) by the master key in `SCR_ENCRYPTION_KEY`. That
setting may hold several master keys, comma-separated, newest first: the first wraps, any of
them unwraps (`MultiFernet`), so that `scr-bot keys rotate` can re-wrap every data key under a
new master key while the bot runs. Destroying a case's data key (retention) makes everything
stored for that case unreadable, wherever copies of the database went (crypto-shredding).

A value is stored as ``c<case id>:`` followed by a Fernet token under the case's data key; the
prefix lets a read check that the value belongs to the case it is read for. Values written
before per-case keys are plain Fernet tokens under a master key: still read, and moved under
their case's data key by `scr-bot keys rotate`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.clock import Clock, SystemClock
from bot.logging_setup import REDACTOR

# The database layer is imported where a case key is read or made, not here: the settings
# parse the master keys with this module, and `scr-bot serve`'s gunicorn master, which reads
# the settings and nothing else, stays small.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import CaseKey

log = logging.getLogger(__name__)

MAKE_A_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
CACHED_KEYS = 4_096
"""Unwrapped data keys kept in memory (by their wrapped form), the most recently used."""

_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


class EncryptionKeyError(RuntimeError):
    """A key is missing, malformed or does not fit. The message never carries data."""


class CaseDataErasedError(EncryptionKeyError):
    """The case's data key was destroyed (retention): its personal data cannot be read."""

    def __init__(self, case_id: int) -> None:
        super().__init__(
            f"case {case_id}: its personal data was erased under the retention policy "
            "(the case's data key is destroyed); only the anonymised record remains"
        )
        self.case_id = case_id


def parse_master_keys(value: str | bytes) -> list[bytes]:
    """The Fernet keys of `SCR_ENCRYPTION_KEY`, newest first; EncryptionKeyError naming the
    position of a key that is not one (never the key itself)."""
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    parts = [part.strip() for part in text.split(",")]
    keys: list[bytes] = []
    for position, part in enumerate(parts, start=1):
        which = _ORDINALS.get(position, f"{position}th")
        if not part:
            raise EncryptionKeyError(
                f"the {which} key in SCR_ENCRYPTION_KEY is empty: give Fernet keys separated by "
                "commas, newest first"
            )
        try:
            Fernet(part)
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(
                f"the {which} key in SCR_ENCRYPTION_KEY is not a valid Fernet key "
                f"(make one with: {MAKE_A_KEY})"
            ) from exc
        keys.append(part.encode("ascii"))
    return keys


def is_case_token(token: bytes) -> bool:
    """A value under a case's data key, as opposed to one from before per-case keys."""
    return bytes(token[:1]) == b"c"


class FieldCipher:
    """The master keys, and the door to each case's data key (`for_case`)."""

    def __init__(self, keys: str | bytes | Sequence[str | bytes], clock: Clock | None = None):
        if isinstance(keys, str | bytes):
            parsed = parse_master_keys(keys)
        else:
            parsed = [k for key in keys for k in parse_master_keys(key)]
        if not parsed:
            raise EncryptionKeyError("SCR_ENCRYPTION_KEY holds no key")
        self._first = Fernet(parsed[0])
        self._master = MultiFernet([Fernet(key) for key in parsed])
        self.key_count = len(parsed)
        self._clock: Clock = clock or SystemClock()
        self._unwrapped: OrderedDict[bytes, Fernet] = OrderedDict()
        self._lock = threading.Lock()

    def for_case(self, session: Session, case_id: int) -> CaseCipher:
        """The cipher of one case. Its key row is read in ``session`` or, on the case's first
        use, made in ``session``'s transaction (so it is committed, or rolled back, with the
        values it encrypts; never a second transaction). CaseDataErasedError once the key is
        destroyed. Nothing the caller has pending is flushed by it."""
        from storage.models import CaseKey

        with session.no_autoflush:
            row = session.get(CaseKey, case_id)
            if row is None:
                row = self._new_key(session, case_id)
        if row.wrapped_key is None:
            raise CaseDataErasedError(case_id)
        return CaseCipher(case_id, self._unwrap(bytes(row.wrapped_key)), self._master)

    def for_new_case(self, session: Session, case_id: int) -> CaseCipher:
        """The cipher of a case created in ``session``'s transaction: its key row is written
        by the table's own insert, nothing read, since no other transaction can know the case
        yet."""
        from sqlalchemy import insert

        from storage.models import CaseKey, table_of

        key = Fernet.generate_key()
        session.execute(
            insert(table_of(CaseKey)),
            {
                "case_id": case_id,
                "wrapped_key": self._master.encrypt(key),
                "created_at": self._clock.now(),
            },
        )
        return CaseCipher(case_id, Fernet(key), self._master)

    def _new_key(self, session: Session, case_id: int) -> CaseKey:
        """Insert the case's key unless another transaction did first (then that one is used:
        PostgreSQL waits for it to commit or roll back; SQLite lets one writer at a time)."""
        from storage.claim import conflict_insert
        from storage.models import CaseKey

        session.execute(
            conflict_insert(session)(CaseKey)
            .values(
                case_id=case_id,
                wrapped_key=self._master.encrypt(Fernet.generate_key()),
                created_at=self._clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["case_id"])
        )
        return session.get_one(CaseKey, case_id)

    def seal(self, value: Any) -> bytes:
        """``value`` (JSON) under the first master key, for what waits to become a case (a
        referral received and not yet opened): it has no case, so no data key, yet."""
        return self._master.encrypt(json.dumps(value, separators=(",", ":")).encode("utf-8"))

    def unseal(self, token: bytes) -> Any:
        try:
            return json.loads(self._master.decrypt(bytes(token)))
        except InvalidToken as exc:
            raise EncryptionKeyError(
                "a received referral cannot be read with any key in SCR_ENCRYPTION_KEY"
            ) from exc

    def _unwrap(self, wrapped: bytes) -> Fernet:
        """The data key inside ``wrapped``, cached by the wrapped bytes: a key row rolled back
        or re-wrapped is simply another entry, never a stale answer."""
        with self._lock:
            found = self._unwrapped.get(wrapped)
            if found is not None:
                self._unwrapped.move_to_end(wrapped)
                return found
        try:
            key = Fernet(self._master.decrypt(wrapped))
        except InvalidToken as exc:
            raise EncryptionKeyError(
                "a case's data key cannot be unwrapped with any key in SCR_ENCRYPTION_KEY "
                "(was an old master key dropped before `scr-bot keys rotate` finished?)"
            ) from exc
        with self._lock:
            self._unwrapped[wrapped] = key
            while len(self._unwrapped) > CACHED_KEYS:
                self._unwrapped.popitem(last=False)
        return key

    def rewrap(self, wrapped: bytes) -> bytes:
        """``wrapped`` re-wrapped under the first master key (the data key is unchanged)."""
        try:
            return self._master.rotate(bytes(wrapped))
        except InvalidToken as exc:
            raise EncryptionKeyError(
                "a case's data key cannot be unwrapped with any key in SCR_ENCRYPTION_KEY"
            ) from exc

    def wrapped_under_first(self, wrapped: bytes) -> bool:
        """Whether the first (newest) master key already unwraps ``wrapped``."""
        try:
            self._first.decrypt(bytes(wrapped))
        except InvalidToken:
            return False
        return True

    def forget(self, wrapped: bytes) -> None:
        """Drop an unwrapped data key from memory (its case was erased)."""
        with self._lock:
            self._unwrapped.pop(bytes(wrapped), None)


class CaseCipher:
    """Encrypts and decrypts one case's values. Every value it handles is personal data of
    the case: it is registered with the log scrubber, so that no log line can carry it."""

    def __init__(self, case_id: int, data_key: Fernet, master: MultiFernet) -> None:
        self.case_id = case_id
        self._key = data_key
        self._master = master
        self._prefix = b"c%d:" % case_id

    def encrypt_text(self, value: str) -> bytes:
        REDACTOR.register(value)
        return self._prefix + self._key.encrypt(value.encode("utf-8"))

    def decrypt_text(self, token: bytes) -> str:
        value = self._open(token).decode("utf-8")
        REDACTOR.register(value)
        return value

    def encrypt_json(self, value: Any) -> bytes:
        REDACTOR.register(value)
        return self._prefix + self._key.encrypt(json.dumps(value, sort_keys=True).encode("utf-8"))

    def decrypt_json(self, token: bytes) -> Any:
        value = json.loads(self._open(token))
        REDACTOR.register(value)
        return value

    def encrypt_bytes(self, value: bytes) -> bytes:
        """A whole document (a file's bytes). It is not registered with the log scrubber: no
        log line carries a document, and its values are registered as they are read."""
        return self._prefix + self._key.encrypt(value)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self._open(token)

    def reencrypt(self, token: bytes) -> bytes:
        """A value from before per-case keys (under a master key), under this case's key."""
        return self._prefix + self._key.encrypt(self._open(token))

    def _open(self, token: bytes) -> bytes:
        token = bytes(token)
        if is_case_token(token):
            head, _, body = token.partition(b":")
            if head != self._prefix[:-1]:
                raise EncryptionKeyError(
                    f"a value read for case {self.case_id} belongs to another case"
                )
            try:
                return self._key.decrypt(body)
            except InvalidToken as exc:
                raise EncryptionKeyError(
                    f"a value of case {self.case_id} does not fit the case's data key"
                ) from exc
        try:
            return self._master.decrypt(token)
        except InvalidToken as exc:
            raise EncryptionKeyError(
                "stored data cannot be decrypted with any key in SCR_ENCRYPTION_KEY"
            ) from exc


def cipher_for(
    key: str | None, *, allow_generated: bool, clock: Clock | None = None
) -> FieldCipher:
    """Production refuses to run without a key; development may make a throwaway one."""
    if key:
        return FieldCipher(key, clock)
    if not allow_generated:
        raise EncryptionKeyError(
            "SCR_ENCRYPTION_KEY is not set. Case data is encrypted at rest and the bot will not "
            f"start without a key. Generate one with: {MAKE_A_KEY}"
        )
    log.warning(
        "!!! SCR_ENCRYPTION_KEY is not set: using a throwaway key generated for this process. "
        "Data written now cannot be read after a restart. Never do this in production. !!!"
    )
    return FieldCipher(Fernet.generate_key(), clock)
