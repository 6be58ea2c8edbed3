"""Document checklists and the completeness check, in plain Python.

A check is built from pieces of text: typed lines (what the applicant *declares* to have) and PDF
pages (what the package *shows*). Each piece is compared with the names each required document
goes by, through the shared Bulgarian normalizer, so "Договора за наем" matches "договор за наем"
and "dogovor za naem" too.

Per piece, an item is:
- found: a multi-word name appears as a phrase on the page, or any name sits in the page's
  heading (its first lines, where a document states what it is);
- unsure: a one-word name appears only in the body, or all words of a name appear but apart;
- declared: a typed line names it (not proof: nothing was shown).
Pages without text (scans) or with garbled text make every item not found elsewhere unsure.

Each checklist states the version of the law it follows (`valid_from`, `law`, `law_label`). Since
the amendment of ЗПОО in ДВ бр. 27/2024 some documents are no longer asked for: a checklist names
them as `obsolete`, so a package that still holds them is told what replaced them (a PDF page
counts only when the old document's name is its heading). An item may be required only when the
fee was not paid electronically (`required_unless = "paid-electronically"`); a typed line such as
"платих електронно" or "платих по банков път" says which (`[payment]` phrases), and so do the
buttons of the chat. An item with `reads_reference = "number-and-date"` (or "number") has its
incoming number and date ("вх. № 1234/15.05.2025") read from the line or page that names it.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from knowledge.money import bgn_to_eur
from knowledge.normalize import BulgarianNormalizer, clean_text

CHECKLIST_DIR = Path(__file__).parent / "data" / "checklists"
HEADING_CHARS = 300  # a document's title is in its first lines
SNIPPET_CHARS = 80


class ChecklistError(ValueError):
    """A checklist file cannot be used."""


class ItemStatus(StrEnum):
    FOUND = "found"
    DECLARED = "declared"
    UNSURE = "unsure"
    MISSING = "missing"


_RANK = {ItemStatus.MISSING: 0, ItemStatus.UNSURE: 1, ItemStatus.DECLARED: 2, ItemStatus.FOUND: 3}


class PaymentMode(StrEnum):
    """How the applicant paid the fee, as they said: only non-electronic payment needs a proof."""

    ELECTRONIC = "electronic"
    BANK = "bank"  # bank transfer, cash desk: anything but electronic payment


PAID_ELECTRONICALLY = "paid-electronically"  # the one condition an item can be waived by
NUMBER = "number"  # an item that is an incoming number ...
NUMBER_AND_DATE = "number-and-date"  # ... or an incoming number with its date


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    title: str
    evidence: tuple[str, ...]
    legal_basis: str
    advice: str
    any_of: str | None  # items sharing this key are alternatives: one of them is enough
    required_unless: str | None = None  # PAID_ELECTRONICALLY: waived when the fee was paid so
    reads_reference: str | None = None  # NUMBER or NUMBER_AND_DATE: read "вх. № …/дата"

    def required_when(self, payment: PaymentMode | None) -> bool:
        waived = self.required_unless == PAID_ELECTRONICALLY and payment is PaymentMode.ELECTRONIC
        return not waived


@dataclass(frozen=True, slots=True)
class ObsoleteDocument:
    """A document the law no longer asks for; recognised to tell the applicant so."""

    id: str
    title: str
    evidence: tuple[str, ...]
    since: dt.date
    instead: str  # what replaced it, as a phrase for the report; "" when nothing did
    legal_basis: str


@dataclass(frozen=True, slots=True)
class PaymentPhrases:
    electronic: tuple[str, ...]
    bank: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FeeBand:
    first: int
    last: int | None
    bgn: int


@dataclass(frozen=True)
class Checklist:
    procedure: str
    title: str
    items: tuple[ChecklistItem, ...]
    agency_checks: tuple[str, ...]
    source: str
    valid_from: dt.date
    law: str  # the act the requirements come from, e.g. "ЗПОО"
    law_label: str  # the version, e.g. "изм. ДВ бр. 27 от 29.03.2024 г."
    fee_bands: tuple[FeeBand, ...] = ()
    fee_url: str | None = None
    obsolete: tuple[ObsoleteDocument, ...] = ()
    payment: PaymentPhrases | None = None
    notes: tuple[str, ...] = ()  # what the application itself must state

    @property
    def asks_how_fee_was_paid(self) -> bool:
        return any(i.required_unless == PAID_ELECTRONICALLY for i in self.items)

    @property
    def needs_profession_count(self) -> bool:
        return bool(self.fee_bands)

    def requirements(self, payment: PaymentMode | None = None) -> list[tuple[ChecklistItem, ...]]:
        """Items grouped into requirements: alternatives form one requirement. Items waived by
        how the fee was paid are left out."""
        groups: dict[str, list[ChecklistItem]] = {}
        order: list[str] = []
        for item in self.items:
            if not item.required_when(payment):
                continue
            key = item.any_of or f"item:{item.id}"
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(item)
        return [tuple(groups[key]) for key in order]

    def fee_for(self, professions: int) -> Fee | None:
        for band in self.fee_bands:
            if professions >= band.first and (band.last is None or professions <= band.last):
                return Fee(Decimal(band.bgn), bgn_to_eur(band.bgn))
        return None


@dataclass(frozen=True, slots=True)
class Fee:
    bgn: Decimal
    eur: Decimal


def _date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"{what} must be a date like 2024-03-29, not {value!r}")
    return value


def _parse(data: dict) -> Checklist:
    items = tuple(
        ChecklistItem(
            id=str(raw["id"]),
            title=str(raw["title"]),
            evidence=tuple(str(e) for e in raw["evidence"]),
            legal_basis=str(raw["legal_basis"]),
            advice=str(raw.get("advice", "")),
            any_of=raw.get("any_of"),
            required_unless=raw.get("required_unless"),
            reads_reference=raw.get("reads_reference"),
        )
        for raw in data["item"]
    )
    for item in items:
        if item.required_unless not in {None, PAID_ELECTRONICALLY}:
            raise ValueError(f"item {item.id}: unknown required_unless {item.required_unless!r}")
        if item.reads_reference not in {None, NUMBER, NUMBER_AND_DATE}:
            raise ValueError(f"item {item.id}: unknown reads_reference {item.reads_reference!r}")
    obsolete = tuple(
        ObsoleteDocument(
            id=str(raw["id"]),
            title=str(raw["title"]),
            evidence=tuple(str(e) for e in raw["evidence"]),
            since=_date(raw["since"], f"obsolete {raw['id']}: since"),
            instead=str(raw.get("instead", "")),
            legal_basis=str(raw["legal_basis"]),
        )
        for raw in data.get("obsolete", [])
    )
    bands = tuple(
        FeeBand(int(b["from"]), int(b["to"]) if "to" in b else None, int(b["bgn"]))
        for b in data.get("fee", [])
    )
    payment = None
    if "payment" in data:
        payment = PaymentPhrases(
            electronic=tuple(str(p) for p in data["payment"]["electronic"]),
            bank=tuple(str(p) for p in data["payment"]["bank"]),
        )
    checklist = Checklist(
        procedure=str(data["procedure"]),
        title=str(data["title"]),
        items=items,
        agency_checks=tuple(data.get("agency_checks", {}).get("items", [])),
        source=str(data["source"]),
        valid_from=_date(data["valid_from"], "valid_from"),
        law=str(data["law"]),
        law_label=str(data["law_label"]),
        fee_bands=bands,
        fee_url=data.get("fee_url"),
        obsolete=obsolete,
        payment=payment,
        notes=tuple(str(n) for n in data.get("notes", [])),
    )
    if checklist.asks_how_fee_was_paid and payment is None:
        raise ValueError("an item is waived by electronic payment but [payment] has no phrases")
    ids = [i.id for i in items] + [o.id for o in obsolete]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate item ids (items and obsolete documents share one space)")
    return checklist


def load_checklists(folder: Path = CHECKLIST_DIR) -> dict[str, Checklist]:
    checklists: dict[str, Checklist] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            with path.open("rb") as fh:
                checklist = _parse(tomllib.load(fh))
        except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
            raise ChecklistError(f"{path.name}: {exc!r}") from exc
        checklists[checklist.procedure] = checklist
    if not checklists:
        raise ChecklistError(f"no checklists in {folder}")
    return checklists


# -- what was submitted ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    """An incoming number and date, as "вх. № 1234/15.05.2025" gives them."""

    number: str
    date: dt.date | None


@dataclass(frozen=True, slots=True)
class Evidence:
    file: str | None  # None for a typed list
    page: int | None
    snippet: str
    reference: Reference | None = None  # for items that read one


# "вх. № 1234/15.05.2025", "Вх. №94-00-123 от 15.05.2025 г.", "входящ номер 1234, 15.05.2025",
# "vh. No 1234/15.05.2025": the number, then (near it) the date.
_INCOMING = re.compile(
    r"(?:вх(?:одящ)?\.?\s*(?:№|n[o°º]?\.?|номер)|входящ\s+номер|vh\.?\s*(?:№|no\.?|nomer))"
    r"\s*:?\s*(?P<number>[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*)",
    re.IGNORECASE,
)
_DATE = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d)")
_DATE_WINDOW = 40  # characters after the number where its date may stand


def find_reference(text: str) -> Reference | None:
    """The first incoming number in the text, with the date written just after it."""
    match = next((m for m in _INCOMING.finditer(text) if any(c.isdigit() for c in m[0])), None)
    if match is None:
        return None
    when = None
    date = _DATE.search(text, match.end(), match.end() + _DATE_WINDOW)
    if date is not None:
        day, month, year = (int(g) for g in date.groups())
        try:
            when = dt.date(year, month, day)
        except ValueError:
            when = None
    return Reference(match.group("number"), when)


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of text speaking for one item."""

    item_id: str
    status: ItemStatus
    evidence: Evidence


class ProblemKind(StrEnum):
    NOT_PDF = "not_pdf"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    TOO_LARGE = "too_large"
    TOO_MANY_PAGES = "too_many_pages"
    NO_TEXT = "no_text"
    GARBLED = "garbled"
    TOO_MANY_FILES = "too_many_files"
    TIME_BUDGET = "time_budget"
    TOO_COMPLEX = "too_complex"  # the reader hit its time or memory limit on this file


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    kind: ProblemKind
    pages: tuple[int, ...] = ()  # for no_text / garbled: which pages


@dataclass
class Findings:
    """What a check has gathered so far; small enough to keep in conversation state."""

    hits: list[Hit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    typed_lines: int = 0  # lines naming documents (statements about payment not counted)
    payment: PaymentMode | None = None  # what the applicant said last

    def extend(self, other: Findings) -> None:
        self.hits.extend(other.hits)
        self.problems.extend(other.problems)
        self.files.extend(other.files)
        self.typed_lines += other.typed_lines
        if other.payment is not None:
            self.payment = other.payment

    @property
    def has_unread_content(self) -> bool:
        """Some submitted content could not be read: a missing item may be in it."""
        return any(p.kind is not ProblemKind.TOO_MANY_FILES for p in self.problems)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able form, for conversation state kept in Redis or memory."""
        return {
            "hits": [
                [h.item_id, h.status.value, h.evidence.file, h.evidence.page, h.evidence.snippet]
                + (_reference_to_list(h.evidence.reference) if h.evidence.reference else [])
                for h in self.hits
            ],
            "problems": [[p.file, p.kind.value, list(p.pages)] for p in self.problems],
            "files": list(self.files),
            "typed_lines": self.typed_lines,
            "payment": self.payment.value if self.payment else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Findings:
        payment = data.get("payment")
        return cls(
            # a hit may carry a reference as two more fields (state saved before has five)
            hits=[
                Hit(i, ItemStatus(s), Evidence(f, p, t, _reference_from_list(rest)))
                for i, s, f, p, t, *rest in data.get("hits", [])  # type: ignore[union-attr]
            ],
            problems=[Problem(f, ProblemKind(k), tuple(p)) for f, k, p in data.get("problems", [])],  # type: ignore[union-attr]
            files=list(data.get("files", [])),  # type: ignore[call-overload]
            typed_lines=int(data.get("typed_lines", 0)),  # type: ignore[call-overload]
            payment=PaymentMode(payment) if payment else None,
        )


def _reference_to_list(reference: Reference) -> list[str | None]:
    return [reference.number, reference.date.isoformat() if reference.date else None]


def _reference_from_list(rest: list) -> Reference | None:
    if len(rest) != 2 or not rest[0]:
        return None
    return Reference(str(rest[0]), dt.date.fromisoformat(rest[1]) if rest[1] else None)


class DocumentMatcher:
    """Finds the checklist items (and the documents no longer required) a piece of text
    speaks for, and what a typed line says about how the fee was paid."""

    def __init__(self, checklist: Checklist, normalizer: BulgarianNormalizer) -> None:
        self.checklist = checklist
        self.normalizer = normalizer
        self._phrases: list[tuple[str, tuple[str, ...]]] = []
        self._obsolete_phrases: list[tuple[str, tuple[str, ...]]] = []
        self._reads_reference = {i.id for i in checklist.items if i.reads_reference}
        for item in checklist.items:
            for name in item.evidence:
                stems = tuple(normalizer.tokens(name))
                if stems:
                    self._phrases.append((item.id, stems))
        for old in checklist.obsolete:
            for name in old.evidence:
                stems = tuple(normalizer.tokens(name))
                if stems:
                    self._obsolete_phrases.append((old.id, stems))
        self._payment: list[tuple[PaymentMode, frozenset[str]]] = []
        if checklist.payment is not None:
            for mode, phrases in (
                (PaymentMode.ELECTRONIC, checklist.payment.electronic),
                (PaymentMode.BANK, checklist.payment.bank),
            ):
                for phrase in phrases:
                    stems = frozenset(normalizer.tokens(phrase))
                    if stems:
                        self._payment.append((mode, stems))

    def payment_statement(self, line: str) -> PaymentMode | None:
        """A line "платих електронно" -> ELECTRONIC; "платих по банков път" or "не платих
        електронно" -> BANK; a line that is not about how the fee was paid -> None."""
        stems = set(self.normalizer.tokens(line))
        modes = {mode for mode, phrase in self._payment if phrase <= stems}
        if not modes:
            return None
        if PaymentMode.BANK in modes or "не" in clean_text(line).split():
            return PaymentMode.BANK
        return PaymentMode.ELECTRONIC

    def typed_lines(self, text: str) -> Findings:
        findings = Findings()
        # numbering and bullets go ("1. ", "- "); what ends a line stays ("вх. № 12/15.05.2025")
        for line in (raw.lstrip(" \t-•*–0123456789.)").rstrip() for raw in text.splitlines()):
            if not line:
                continue
            said = self.payment_statement(line)
            if said is not None:  # a statement about the fee, not a document's name
                findings.payment = said
                continue
            findings.typed_lines += 1
            stems = set(self.normalizer.tokens(line))
            best: dict[str, ItemStatus] = {}
            for item_id, phrase in self._phrases:
                present = sum(1 for s in phrase if s in stems)
                if present == len(phrase):
                    status = ItemStatus.DECLARED
                elif len(phrase) > 1 and present / len(phrase) >= 0.6:
                    status = ItemStatus.UNSURE
                else:
                    continue
                if _RANK[status] > _RANK.get(best.get(item_id, ItemStatus.MISSING), 0):
                    best[item_id] = status
            for old_id, phrase in self._obsolete_phrases:
                if set(phrase) <= stems:  # only a line that names the old document
                    best[old_id] = ItemStatus.DECLARED
            for item_id, status in best.items():
                reference = find_reference(line) if item_id in self._reads_reference else None
                findings.hits.append(
                    Hit(item_id, status, Evidence(None, None, _snippet(line), reference))
                )
        return findings

    def page(self, file: str, page: int, text: str) -> list[Hit]:
        stems = self.normalizer.tokens(text)
        if not stems:
            return []
        body = set(stems)
        heading = set(self.normalizer.tokens(text[:HEADING_CHARS]))
        best: dict[str, tuple[ItemStatus, str]] = {}
        for item_id, phrase in self._phrases:
            status = None
            if set(phrase) <= heading or (len(phrase) > 1 and _contains(stems, phrase)):
                status = ItemStatus.FOUND
            elif set(phrase) <= body:
                status = ItemStatus.UNSURE
            if status is None:
                continue
            current = best.get(item_id)
            if current is None or _RANK[status] > _RANK[current[0]]:
                best[item_id] = (status, phrase[0])
        # An old document is recognised by its heading only: a mention in the body of another
        # document ("специалист по пожарна безопасност") is not that document.
        for old_id, phrase in self._obsolete_phrases:
            if old_id not in best and set(phrase) <= heading:
                best[old_id] = (ItemStatus.FOUND, phrase[0])
        return [
            Hit(
                item_id,
                status,
                Evidence(
                    file,
                    page,
                    _snippet_around(text, first_stem, self.normalizer),
                    find_reference(text) if item_id in self._reads_reference else None,
                ),
            )
            for item_id, (status, first_stem) in best.items()
        ]


def _contains(stems: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(
        stems[i] == first and tuple(stems[i : i + n]) == tuple(phrase)
        for i in range(len(stems) - n + 1)
    )


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def _snippet_around(text: str, stem: str, normalizer: BulgarianNormalizer) -> str:
    words = text.split()
    for index, word in enumerate(words):
        if normalizer.tokens(word) == [stem]:
            start = max(0, index - 3)
            return _snippet(" ".join(words[start : start + 12]))
    return _snippet(text)


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: ChecklistItem
    status: ItemStatus
    evidence: tuple[Evidence, ...]
    alternative_satisfied: bool = False  # another item of its any_of group is there
    required: bool = True  # False: waived (the fee was paid electronically)
    reference: Reference | None = None  # the incoming number and date read, if any

    @property
    def met(self) -> bool:
        return (
            not self.required
            or self.alternative_satisfied
            or self.status in {ItemStatus.FOUND, ItemStatus.DECLARED}
        )


@dataclass(frozen=True, slots=True)
class ObsoleteResult:
    """A document in the package that the law no longer asks for."""

    document: ObsoleteDocument
    evidence: tuple[Evidence, ...]


NOT_REQUIRED = "not_required"  # in status_by_item: an item waived for this check
OUTDATED = "outdated"  # in status_by_item: an old document found in the package


@dataclass(frozen=True)
class CheckReport:
    checklist: Checklist
    items: tuple[ItemResult, ...]
    found: int  # requirements met (found or declared)
    required: int
    problems: tuple[Problem, ...]
    fee: Fee | None
    professions: int | None
    declared_only: bool  # nothing was proven by a document: a typed list only
    obsolete: tuple[ObsoleteResult, ...] = ()
    payment: PaymentMode | None = None

    @property
    def complete(self) -> bool:
        return self.found == self.required and not any(
            r.status is ItemStatus.UNSURE and r.required and not r.alternative_satisfied
            for r in self.items
        )

    def status_by_item(self) -> dict[str, str]:
        statuses = {r.item.id: r.status.value if r.required else NOT_REQUIRED for r in self.items}
        statuses.update({o.document.id: OUTDATED for o in self.obsolete})
        return statuses


def build_report(
    checklist: Checklist,
    findings: Findings,
    professions: int | None = None,
    payment: PaymentMode | None = None,
) -> CheckReport:
    """`payment` given here (a command-line option) wins over what the findings say."""
    payment = payment or findings.payment
    by_item: dict[str, list[Hit]] = {}
    for hit in findings.hits:
        by_item.setdefault(hit.item_id, []).append(hit)
    statuses: dict[str, ItemResult] = {}
    for item in checklist.items:
        hits = by_item.get(item.id, [])
        status = max((h.status for h in hits), key=_RANK.__getitem__, default=ItemStatus.MISSING)
        if status is ItemStatus.MISSING and findings.has_unread_content:
            status = ItemStatus.UNSURE  # it may be on a page we could not read
        evidence = tuple(h.evidence for h in hits if h.status is status)[:3]
        references = [h.evidence.reference for h in hits if h.evidence.reference is not None]
        references.sort(key=lambda r: r.date is None)  # one with its date first
        statuses[item.id] = ItemResult(
            item,
            status,
            evidence,
            required=item.required_when(payment),
            reference=references[0] if references else None,
        )
    found = 0
    requirements = checklist.requirements(payment)
    results: list[ItemResult] = []
    for group in requirements:
        met = [
            statuses[i.id]
            for i in group
            if statuses[i.id].status in {ItemStatus.FOUND, ItemStatus.DECLARED}
        ]
        if met:
            found += 1
        for item in group:
            result = statuses[item.id]
            if met and result not in met:
                result = replace(result, alternative_satisfied=True)
            statuses[item.id] = result
    results = [statuses[item.id] for item in checklist.items]
    obsolete = tuple(
        ObsoleteResult(old, tuple(h.evidence for h in by_item[old.id])[:2])
        for old in checklist.obsolete
        if old.id in by_item
    )
    fee = checklist.fee_for(professions) if professions and checklist.fee_bands else None
    return CheckReport(
        checklist=checklist,
        items=tuple(results),
        found=found,
        required=len(requirements),
        problems=tuple(findings.problems),
        fee=fee,
        professions=professions,
        declared_only=not findings.files,
        obsolete=obsolete,
        payment=payment,
    )


@dataclass(frozen=True)
class ReportChange:
    now_found: tuple[str, ...]
    still_missing: tuple[str, ...]
    no_longer_found: tuple[str, ...]


def compare_with_previous(report: CheckReport, previous: dict[str, str]) -> ReportChange:
    """What changed since the same user's previous check of the same procedure."""
    met = {ItemStatus.FOUND.value, ItemStatus.DECLARED.value, NOT_REQUIRED}
    now_found, still_missing, lost = [], [], []
    for result in report.items:
        before = previous.get(result.item.id)
        is_met = result.met
        if is_met and before is not None and before not in met:
            now_found.append(result.item.title)
        elif not is_met and before is not None and before not in met:
            still_missing.append(result.item.title)
        elif not is_met and before in met:
            lost.append(result.item.title)
    return ReportChange(tuple(now_found), tuple(still_missing), tuple(lost))


def merge(findings: Iterable[Findings]) -> Findings:
    total = Findings()
    for part in findings:
        total.extend(part)
    return total
