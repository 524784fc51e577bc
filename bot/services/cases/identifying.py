"""Whether text typed about a case names the child: the child's names, the family's names,
the address and postcode, phone numbers, the date of birth, as the referral recorded them.

Text that passes is stored (encrypted) and may be shown again to the case's people in Slack
(in a card, a summary, the integrated chronology); text that fails is sent back to its author
to reword, inline on the field, and nothing of it is stored. Every form that takes free text
about a case screens it through one helper, `screen`; a file (a chronology or an action-plan
CSV) through `naming_rows`, refused whole with the row numbers.

How a name is matched (`names_the_child`):

- Capitalised, a name word always matches, alone or possessive ("Jamie", "Jamie's",
  "JAMIE", "Quillfeather-Smith").
- Lower-case ("quillfeather", "jamie's") it matches too, unless the name is also an ordinary
  English word (`COMMON_WORDS`: "may", "will", "rose", "dale", "grace", "mark", ...): a
  lower-case "may" is the verb far more often than the child, so only "May" refuses it.
- Role and place words in the referral ("Mother", "Gardens") are never names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.logging_setup import REDACTOR
from bot.services.refusal import InvalidFormError
from storage.models import Case

HOUSE_STYLE = 'Please use the house style instead: "the child" or "Child A", "Mother", "Father".'
NAMES_THE_CHILD = (
    "This seems to name the child or family, or give the address, postcode, phone number or "
    f"date of birth. {HOUSE_STYLE}"
)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_PHONE = re.compile(r"(?:\+44\s?\(?0?\)?|\b0)(?:[\s-]?\d){9,10}\b")
_ROLE_AND_PLACE_WORDS = """
mother father mum dad stepfather stepmother step partner sibling siblings brother sister
half grandmother grandfather grandparent grandparents nan gran grandad aunt uncle cousin
baby child children son daughter twin carer foster parent parents guardian boyfriend
girlfriend husband wife ex and with the of aged age years months year month old unborn
lives living address flat house street road lane avenue drive close gardens court place
crescent terrace way walk row square park hill view green mews grove rise estate
"""
_NOT_NAMES = frozenset(_ROLE_AND_PLACE_WORDS.split())

_COMMON_NAME_WORDS = """
    may will bill rose grace hope joy faith mark pat sue art dawn june april august rob
    jack frank summer amber robin holly penny sandy max ray don dale jean lily daisy iris
    heather ruby crystal victor gene guy carol chase hunter sky river brook lane mason cole
    reed wade rich sunny honey autumn winter spring storm rain star angel crystal ivy hazel
    violet poppy jasmine willow fern pearl opal jade coral ginger gay earl king prince
    duke baker cook smith taylor walker wood woods hill hall green white black brown gray
    grey young long little cash page price bell ball banks bush field fields moss stone
    marsh ford miller carter turner porter cooper fisher mills rivers west north south
    east lee lord cross love may will bob drew grant hardy hale joy kit lance miles nick
    norman paddy pip rocky roman rusty sage sterling tuesday noel eve major ash bay birch
    cliff glen heath sandy piper scott jay wren lark teal gray sterling sandy hunter
    """
COMMON_WORDS = frozenset(_COMMON_NAME_WORDS.split())
"""Names that are also everyday English words: matched only when capitalised."""

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = _MONTH_NAMES.split()
_MONTH = "|".join(rf"{m[:3]}(?:{m[3:]})?" for m in _MONTHS) + "|sept"
_DAY_FIRST = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s.-]+({_MONTH})\.?,?[\s.-]+(\d{{4}}|\d{{2}})\b",
    re.IGNORECASE,
)
_MONTH_FIRST = re.compile(
    rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}|\d{{2}})\b", re.IGNORECASE
)
_NUMERIC = re.compile(r"\b(\d{1,4})\s*([./\-\s])\s*(\d{1,2})\s*\2\s*(\d{1,4})\b")
_COMPACT = re.compile(r"\b(\d{8}|\d{6})\b")


@dataclass(frozen=True)
class Identifiers:
    words: frozenset[str]
    phrases: tuple[str, ...]
    born: date | None = None
    phones: tuple[str, ...] = ()


def _name_words(text: str, *, capitalised_only: bool) -> set[str]:
    found = set()
    for match in _WORD.finditer(text):
        for word in re.split(r"['’-]", match.group()):
            if len(word) < 2 or (capitalised_only and not word[0].isupper()):
                continue
            if word.casefold() not in _NOT_NAMES:
                found.add(word.casefold())
    return found


def _address_words(address: str) -> set[str]:
    """The words of every address line but the town's (the last, when there are several):
    "14 Larkspur Gardens, Oldtown OT4 9ZZ" gives "larkspur"."""
    lines = [line.strip() for line in re.split(r"[,\n]", address) if line.strip()]
    street = lines[:-1] if len(lines) > 1 else lines
    words: set[str] = set()
    for line in street:
        words |= _name_words(_POSTCODE.sub(" ", line), capitalised_only=False)
    return words


def _digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "0" + digits[2:] if digits.startswith("44") else digits


NOT_THE_FAMILYS = frozenset({"referrer_telephone", "services"})
"""Referral fields that say nothing of the child or family (the referrer's own number)."""


def _phones(personal: dict[str, Any]) -> tuple[str, ...]:
    found = set()
    for key, value in personal.items():
        if key in NOT_THE_FAMILYS:
            continue
        for match in _PHONE.finditer(str(value or "")):
            found.add(_digits(match.group()))
    return tuple(sorted(found))


def _year(text: str) -> int:
    value = int(text)
    return value if len(text) == 4 else 2000 + value if value < 70 else 1900 + value


def _month(text: str) -> int:
    return next(i + 1 for i, m in enumerate(_MONTHS) if m.startswith(text.casefold()[:3]))


def _dates_in(text: str) -> set[tuple[int, int, int]]:
    """Every (year, month, day) the text could be spelling, day-first or year-first."""
    found: set[tuple[int, int, int]] = set()
    for d, m, y in _DAY_FIRST.findall(text):
        found.add((_year(y), _month(m), int(d)))
    for m, d, y in _MONTH_FIRST.findall(text):
        found.add((_year(y), _month(m), int(d)))
    for a, _, b, c in _NUMERIC.findall(text):
        if len(a) == 4:
            found.add((int(a), int(b), int(c)))
        elif len(c) in (2, 4):
            found.add((_year(c), int(b), int(a)))
            found.add((_year(c), int(a), int(b)))
    for run in _COMPACT.findall(text):
        if len(run) == 8:
            found |= {
                (int(run[:4]), int(run[4:6]), int(run[6:])),
                (_year(run[4:]), int(run[2:4]), int(run[:2])),
            }
        else:
            found.add((_year(run[4:]), int(run[2:4]), int(run[:2])))
    return found


def identifiers_of(personal: dict[str, Any]) -> Identifiers:
    """What identifies the child in a referral's personal data. Its name words are also kept
    out of every log line from now on."""
    words: set[str] = set()
    for key in ("child_name", "child_aka"):
        words |= _name_words(str(personal.get(key) or ""), capitalised_only=False)
    words |= _name_words(str(personal.get("family_composition") or ""), capitalised_only=True)
    address = str(personal.get("address") or "")
    words |= _address_words(address)
    phrases = [re.sub(r"\s+", "", m.group()).casefold() for m in _POSTCODE.finditer(address)]
    for member in personal.get("family") or []:
        words |= _name_words(str(member.get("name") or ""), capitalised_only=False)
        other = str(member.get("address") or "")
        words |= _address_words(other)
        phrases += [re.sub(r"\s+", "", m.group()).casefold() for m in _POSTCODE.finditer(other)]
    born = date.fromisoformat(str(personal["child_dob"])) if personal.get("child_dob") else None
    REDACTOR.register_words(words)
    return Identifiers(frozenset(words), tuple(phrases), born, _phones(personal))


def _names(text: str, ids: Identifiers) -> bool:
    for match in _WORD.finditer(text):
        word = match.group()
        for part in [word, *re.split(r"['’-]", word)]:
            folded = part.casefold()
            if folded not in ids.words:
                continue
            if part[:1].isupper() or folded not in COMMON_WORDS:
                return True
    return False


def names_the_child(text: str, ids: Identifiers) -> bool:
    """Names (see the module's rule for lower case), postcodes in any spacing, phone numbers
    in any spacing, and the date of birth in any common format."""
    if _names(text, ids):
        return True
    squeezed = re.sub(r"\s+", "", text.casefold())
    if any(phrase in squeezed for phrase in ids.phrases):
        return True
    if ids.phones and any(_digits(m.group()) in ids.phones for m in _PHONE.finditer(text)):
        return True
    born = ids.born
    return born is not None and (born.year, born.month, born.day) in _dates_in(text)


def case_identifiers(session: Session, cipher: FieldCipher, case_id: int) -> Identifiers:
    case = session.get(Case, case_id)
    if case is None or case.personal_data is None:
        return Identifiers(frozenset(), ())
    return identifiers_of(cipher.for_case(session, case_id).decrypt_json(case.personal_data))


def field_label(field: str) -> str:
    """A block id as the person reads it: "entry_event_2" → "entry event"."""
    return re.sub(r"_\d+$", "", field).replace("_", " ")


def refusal_for(field: str, label: str | None = None) -> str:
    return (
        f"The {label or field_label(field)} seems to name the child or family, or give the "
        f"address, postcode, phone number or date of birth. {HOUSE_STYLE}"
    )


def naming_fields(
    texts: dict[str, str], ids: Identifiers, labels: dict[str, str] | None = None
) -> dict[str, str]:
    """{field: the refusal, naming the field} for each of ``texts`` that names the child."""
    return {
        field: refusal_for(field, (labels or {}).get(field))
        for field, text in texts.items()
        if text and names_the_child(text, ids)
    }


def screen(
    session: Session,
    cipher: FieldCipher,
    case_id: int,
    texts: dict[str, str],
    labels: dict[str, str] | None = None,
) -> None:
    """The one check of free text typed about a case, before it is stored or shown: refuse
    (`InvalidFormError`, inline on each field, by block id; ``labels`` name a field for the
    person where its block id would not) any of ``texts`` that names the child. Nothing of a
    refused form is stored."""
    naming = naming_fields(texts, case_identifiers(session, cipher, case_id), labels)
    if naming:
        raise InvalidFormError(naming)


def naming_rows(
    session: Session, cipher: FieldCipher, case_id: int, rows: list[tuple[int, list[str]]]
) -> list[int]:
    """The row numbers of a file's rows (row number, its free-text cells) that name the
    child: a file with any is refused whole."""
    ids = case_identifiers(session, cipher, case_id)
    return [no for no, cells in rows if any(c and names_the_child(c, ids) for c in cells)]


def rows_refusal(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:25]) + (" and more" if len(rows) > 25 else "")
    return (
        f"Rows {shown} seem to name the child or family, or give the address, postcode, "
        f"phone number or date of birth. Nothing from the file was stored. {HOUSE_STYLE}"
    )
