"""Whether text typed about a case names the child: the child's names, the family's names,
the street and postcode, the date of birth, as the referral recorded them.

Text that passes is stored (encrypted) and may be shown again to the case's people in Slack;
text that fails is sent back to its author to reword, and is never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.logging_setup import REDACTOR
from storage.models import Case

NAMES_THE_CHILD = (
    "This seems to name the child or family, or give the address or date of birth. "
    "Please refer to people by their role (the child, the mother) instead."
)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_ROLE_AND_PLACE_WORDS = """
mother father mum dad stepfather stepmother step partner sibling siblings brother sister
half grandmother grandfather grandparent grandparents nan gran grandad aunt uncle cousin
baby child children son daughter twin carer foster parent parents guardian boyfriend
girlfriend husband wife ex and with the of aged age years months year month old unborn
lives living address flat house street road lane avenue drive close gardens court place
crescent terrace way walk row square park hill view green mews grove rise estate
"""
_NOT_NAMES = frozenset(_ROLE_AND_PLACE_WORDS.split())


@dataclass(frozen=True)
class Identifiers:
    words: frozenset[str]
    phrases: tuple[str, ...]
    born: date | None = None


def _name_words(text: str, *, capitalised_only: bool) -> set[str]:
    found = set()
    for match in _WORD.finditer(text):
        for word in re.split(r"['’-]", match.group()):
            if len(word) < 2 or (capitalised_only and not word[0].isupper()):
                continue
            if word.casefold() not in _NOT_NAMES:
                found.add(word.casefold())
    return found


def _date_forms(value: date) -> list[str]:
    return [
        value.isoformat(),
        f"{value:%d.%m.%y}",
        f"{value:%d.%m.%Y}",
        f"{value:%d/%m/%Y}",
        f"{value:%d/%m/%y}",
        f"{value:%d-%m-%Y}",
        f"{value.day} {value:%B %Y}",
        f"{value.day} {value:%b %Y}",
    ]


def identifiers_of(personal: dict[str, Any]) -> Identifiers:
    """What identifies the child in a referral's personal data. Its name words are also kept
    out of every log line from now on."""
    words: set[str] = set()
    for key in ("child_name", "child_aka"):
        words |= _name_words(str(personal.get(key) or ""), capitalised_only=False)
    words |= _name_words(str(personal.get("family_composition") or ""), capitalised_only=True)
    address = str(personal.get("address") or "")
    words |= _name_words(address.split(",")[0].split("\n")[0], capitalised_only=False)
    phrases = [re.sub(r"\s+", "", m.group()).casefold() for m in _POSTCODE.finditer(address)]
    born = date.fromisoformat(str(personal["child_dob"])) if personal.get("child_dob") else None
    if born is not None:
        phrases += [form.casefold() for form in _date_forms(born)]
    REDACTOR.register_words(words)
    return Identifiers(frozenset(words), tuple(phrases), born)


def names_the_child(text: str, ids: Identifiers) -> bool:
    """Names are matched as capitalised words, so that a child called May does not block
    "the panel may"; postcodes and dates of birth in any spacing or common format."""
    for match in _WORD.finditer(text):
        word = match.group()
        parts = [word, *re.split(r"['’-]", word)]
        if any(p[:1].isupper() and p.casefold() in ids.words for p in parts):
            return True
    folded = text.casefold()
    squeezed = re.sub(r"\s+", "", folded)
    return any(phrase in folded or phrase in squeezed for phrase in ids.phrases)


def case_identifiers(session: Session, cipher: FieldCipher, case_id: int) -> Identifiers:
    case = session.get(Case, case_id)
    if case is None or case.personal_data is None:
        return Identifiers(frozenset(), ())
    return identifiers_of(cipher.decrypt_json(case.personal_data))


def naming_fields(texts: dict[str, str], ids: Identifiers) -> dict[str, str]:
    """{field: the refusal} for each of ``texts`` that names the child."""
    return {field: NAMES_THE_CHILD for field, text in texts.items() if names_the_child(text, ids)}
