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
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from knowledge.money import bgn_to_eur
from knowledge.normalize import BulgarianNormalizer

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


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    title: str
    evidence: tuple[str, ...]
    legal_basis: str
    advice: str
    any_of: str | None  # items sharing this key are alternatives: one of them is enough


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
    fee_bands: tuple[FeeBand, ...] = ()
    fee_url: str | None = None

    @property
    def needs_profession_count(self) -> bool:
        return bool(self.fee_bands)

    def requirements(self) -> list[tuple[ChecklistItem, ...]]:
        """Items grouped into requirements: alternatives form one requirement."""
        groups: dict[str, list[ChecklistItem]] = {}
        order: list[str] = []
        for item in self.items:
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


def load_checklists(folder: Path = CHECKLIST_DIR) -> dict[str, Checklist]:
    checklists: dict[str, Checklist] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
            items = tuple(
                ChecklistItem(
                    id=str(raw["id"]),
                    title=str(raw["title"]),
                    evidence=tuple(str(e) for e in raw["evidence"]),
                    legal_basis=str(raw["legal_basis"]),
                    advice=str(raw.get("advice", "")),
                    any_of=raw.get("any_of"),
                )
                for raw in data["item"]
            )
            bands = tuple(
                FeeBand(int(b["from"]), int(b["to"]) if "to" in b else None, int(b["bgn"]))
                for b in data.get("fee", [])
            )
            checklist = Checklist(
                procedure=str(data["procedure"]),
                title=str(data["title"]),
                items=items,
                agency_checks=tuple(data.get("agency_checks", {}).get("items", [])),
                source=str(data["source"]),
                fee_bands=bands,
                fee_url=data.get("fee_url"),
            )
        except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
            raise ChecklistError(f"{path.name}: {exc!r}") from exc
        if len({i.id for i in items}) != len(items):
            raise ChecklistError(f"{path.name}: duplicate item ids")
        checklists[checklist.procedure] = checklist
    if not checklists:
        raise ChecklistError(f"no checklists in {folder}")
    return checklists


# -- what was submitted ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    file: str | None  # None for a typed list
    page: int | None
    snippet: str


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
    typed_lines: int = 0

    def extend(self, other: Findings) -> None:
        self.hits.extend(other.hits)
        self.problems.extend(other.problems)
        self.files.extend(other.files)
        self.typed_lines += other.typed_lines

    @property
    def has_unread_content(self) -> bool:
        """Some submitted content could not be read: a missing item may be in it."""
        return any(p.kind is not ProblemKind.TOO_MANY_FILES for p in self.problems)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able form, for conversation state kept in Redis or memory."""
        return {
            "hits": [
                [h.item_id, h.status.value, h.evidence.file, h.evidence.page, h.evidence.snippet]
                for h in self.hits
            ],
            "problems": [[p.file, p.kind.value, list(p.pages)] for p in self.problems],
            "files": list(self.files),
            "typed_lines": self.typed_lines,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Findings:
        return cls(
            hits=[
                Hit(i, ItemStatus(s), Evidence(f, p, t)) for i, s, f, p, t in data.get("hits", [])
            ],  # type: ignore[union-attr]
            problems=[Problem(f, ProblemKind(k), tuple(p)) for f, k, p in data.get("problems", [])],  # type: ignore[union-attr]
            files=list(data.get("files", [])),  # type: ignore[call-overload]
            typed_lines=int(data.get("typed_lines", 0)),  # type: ignore[call-overload]
        )


class DocumentMatcher:
    """Finds the checklist items a piece of text speaks for."""

    def __init__(self, checklist: Checklist, normalizer: BulgarianNormalizer) -> None:
        self.checklist = checklist
        self.normalizer = normalizer
        self._phrases: list[tuple[str, tuple[str, ...]]] = []
        for item in checklist.items:
            for name in item.evidence:
                stems = tuple(normalizer.tokens(name))
                if stems:
                    self._phrases.append((item.id, stems))

    def typed_lines(self, text: str) -> Findings:
        findings = Findings()
        for line in (raw.strip(" \t-•*–0123456789.)") for raw in text.splitlines()):
            if not line:
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
            for item_id, status in best.items():
                findings.hits.append(Hit(item_id, status, Evidence(None, None, _snippet(line))))
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
        return [
            Hit(
                item_id,
                status,
                Evidence(file, page, _snippet_around(text, first_stem, self.normalizer)),
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

    @property
    def complete(self) -> bool:
        return self.found == self.required and not any(
            r.status is ItemStatus.UNSURE and not r.alternative_satisfied for r in self.items
        )

    def status_by_item(self) -> dict[str, str]:
        return {r.item.id: r.status.value for r in self.items}


def build_report(
    checklist: Checklist, findings: Findings, professions: int | None = None
) -> CheckReport:
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
        statuses[item.id] = ItemResult(item, status, evidence)
    found = 0
    requirements = checklist.requirements()
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
                result = ItemResult(result.item, result.status, result.evidence, True)
            results.append(result)
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
    )


@dataclass(frozen=True)
class ReportChange:
    now_found: tuple[str, ...]
    still_missing: tuple[str, ...]
    no_longer_found: tuple[str, ...]


def compare_with_previous(report: CheckReport, previous: dict[str, str]) -> ReportChange:
    """What changed since the same user's previous check of the same procedure."""
    met = {ItemStatus.FOUND.value, ItemStatus.DECLARED.value}
    now_found, still_missing, lost = [], [], []
    for result in report.items:
        before = previous.get(result.item.id)
        is_met = result.status.value in met or result.alternative_satisfied
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
