"""Checking a qualification document against the agency's register, without exposing anyone.

The register keeps no ЕГН/ЛНЧ and no name in clear: only keyed hashes of the holder's identifier
and of the holder's normalized name. A check therefore needs the document's registration number
*and* the holder's identifier or full name, and can only say "this matches" or "this does not":
an unknown number and a wrong person get the same answer, so the bot cannot be used to find out
who holds which document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from knowledge.normalize import clean_text
from knowledge.privacy import keyed_hash

EGN_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6)
LNCH_WEIGHTS = (21, 19, 17, 13, 11, 9, 7, 3, 1)
MIN_REGISTRATION_DIGITS = 1
MAX_REGISTRATION_DIGITS = 20


class DocumentStatus(StrEnum):
    VALID = "valid"
    ANNULLED = "annulled"
    DUPLICATE_ISSUED = "duplicate_issued"


class CentreStatus(StrEnum):
    ACTIVE = "активна"
    SUSPENDED = "временно отнета"
    REVOKED = "окончателно отнета"
    DELETED = "заличена"
    TERMINATED = "прекратена"


DOCUMENT_TYPES = {
    "3-54": "Свидетелство за професионална квалификация",
    "3-54В": "Свидетелство за валидиране на професионална квалификация",
    "3-54а": "Дубликат на свидетелство за професионална квалификация",
    "3-54аВ": "Дубликат на свидетелство за валидиране на професионална квалификация",
}


# -- normalization ---------------------------------------------------------------------------


def registration_digits(raw: str) -> str:
    """The digits of a registration number: the agency's own look-up compares only these."""
    return re.sub(r"\D", "", raw or "")


def _checksum_ok(digits: str, weights: Sequence[int], modulo: int) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], weights, strict=True))
    check = total % modulo
    if check == 10:
        check = 0
    return check == int(digits[9])


def holder_identifier(raw: str) -> str | None:
    """A valid ЕГН or ЛНЧ as 10 digits (spaces and dashes allowed), else None."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    if not re.fullmatch(r"\d{10}", digits):
        return None
    if _checksum_ok(digits, EGN_WEIGHTS, 11) or _checksum_ok(digits, LNCH_WEIGHTS, 10):
        return digits
    return None


_PLAIN_CYRILLIC_NAME = re.compile(r"[А-Яа-яЁёЍѝ\- ]+")


def person_name_key(raw: str) -> str | None:
    """A full name in the form the check compares: Cyrillic, lowercase, words in order of
    appearance ignored (sorted), at least two words. Latin-typed names are transliterated."""
    raw = raw or ""
    if _PLAIN_CYRILLIC_NAME.fullmatch(raw):  # the register's own rows: skip the full clean-up
        words = raw.lower().replace("-", " ").split()
    else:
        words = [w for w in clean_text(raw).replace("-", " ").split() if not w[0].isdigit()]
    if len(words) < 2:
        return None
    return " ".join(sorted(words))


def hash_holder_id(secret: str, identifier: str) -> str:
    return keyed_hash(secret, identifier, "register-holder-id")


def hash_holder_name(secret: str, name_key: str) -> str:
    return keyed_hash(secret, name_key, "register-holder-name")


def hash_for_log(secret: str, value: str) -> str:
    """What a log line may say about a verification input: a short keyed hash."""
    return keyed_hash(secret, value, "log")[:12]


# -- the register, as the domain sees it -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegisterDocument:
    document_type: str
    series: str
    factory_number: str
    registration_number: str
    issue_date: dt.date | None
    centre_licence: str
    centre_name: str
    profession_code: str
    profession: str
    speciality_code: str
    speciality: str
    qualification_level: str
    status: DocumentStatus
    holder_id_hash: str | None
    holder_name_hash: str | None


@dataclass(frozen=True, slots=True)
class Centre:
    licence_number: str
    name: str
    kind: str  # ЦПО or ЦИПО
    status: str
    status_date: dt.date | None
    town: str
    professions: tuple[str, ...]


class DocumentRegister(Protocol):
    async def documents_by_digits(self, digits: str) -> list[RegisterDocument]: ...

    async def snapshot_date(self, register: str) -> dt.date | None: ...

    async def lookup(self, digits: str) -> tuple[list[RegisterDocument], dt.date | None]:
        """Documents with these digits and the documents register's snapshot date."""
        ...


# -- outcomes --------------------------------------------------------------------------------


class VerificationStatus(StrEnum):
    CONFIRMED = "confirmed"
    NOT_MATCHED = "not_matched"
    ANNULLED = "annulled"
    INVALID_INPUT = "invalid_input"
    RATE_LIMITED = "rate_limited"


class InvalidInput(StrEnum):
    NUMBER = "number"
    IDENTIFIER = "identifier"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class Verification:
    status: VerificationStatus
    document: RegisterDocument | None = None  # only when confirmed or annulled
    matched_by: str | None = None  # "identifier" or "name"
    snapshot: dt.date | None = None
    invalid: InvalidInput | None = None
    retry_after_seconds: int | None = None


async def verify(
    register: DocumentRegister,
    secret: str,
    number: str,
    *,
    holder_id: str | None = None,
    holder_name: str | None = None,
) -> Verification:
    """Check a document: its registration number and its holder's identifier or full name."""
    digits = registration_digits(number)
    if not MIN_REGISTRATION_DIGITS <= len(digits) <= MAX_REGISTRATION_DIGITS:
        return Verification(VerificationStatus.INVALID_INPUT, invalid=InvalidInput.NUMBER)
    if holder_id is not None:
        identifier = holder_identifier(holder_id)
        if identifier is None:
            return Verification(VerificationStatus.INVALID_INPUT, invalid=InvalidInput.IDENTIFIER)
        wanted, field, matched_by = (
            hash_holder_id(secret, identifier),
            "holder_id_hash",
            "identifier",
        )
    else:
        key = person_name_key(holder_name or "")
        if key is None:
            return Verification(VerificationStatus.INVALID_INPUT, invalid=InvalidInput.NAME)
        wanted, field, matched_by = hash_holder_name(secret, key), "holder_name_hash", "name"
    documents, snapshot = await register.lookup(digits)
    for document in documents:
        if getattr(document, field) == wanted:
            status = (
                VerificationStatus.ANNULLED
                if document.status is DocumentStatus.ANNULLED
                else VerificationStatus.CONFIRMED
            )
            return Verification(status, document, matched_by, snapshot)
    # One answer for "no such number" and "not this person": nothing to learn from the difference.
    return Verification(VerificationStatus.NOT_MATCHED, snapshot=snapshot)


def centre_name_key(name: str) -> str:
    """Centre names compared without quotes, legal forms and case."""
    words = clean_text(name).split()
    legal_forms = {"еоод", "оод", "ад", "еад", "ет", "сдружение", "фондация", "кооперация"}
    return " ".join(w for w in words if w not in legal_forms)


def rank_centres(query: str, candidates: Sequence[tuple[str, str]], limit: int = 5) -> list[str]:
    """Licence numbers of the centres whose names best match the query words (fuzzy).

    rapidfuzz's WRatio: it weighs partial and token-set matches, so "знание" finds
    "ЦПО „Знание и умения“" and a typo or two is forgiven.
    """
    from rapidfuzz import fuzz, process

    key = centre_name_key(query)
    if not key:
        return []
    choices = {licence: name_key for licence, name_key in candidates}
    found = process.extract(key, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=75)
    return [licence for _, _, licence in found]
