"""FAQ entries and their loader: the only code that knows the layout of `knowledge/data/faq/`."""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from knowledge.money import format_bgn_with_eur
from knowledge.telegram_html import html_problems

FAQ_DIR = Path(__file__).parent / "data" / "faq"
# Questions as people typed them, each with the entry that answers it ("-": none does). The
# matcher learns from them (extra phrasings, and its models are fitted on them); the tests and
# benchmarks/fit_matcher.py measure it on them, always on questions held out of what it learned.
QUESTIONS_FILE = Path(__file__).parent / "data" / "questions.tsv"
OUT_OF_SCOPE = "-"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BGN = re.compile(r"\{\{\s*bgn\s+(\d+(?:[.,]\d{1,2})?)\s*\}\}")
# Entry ids travel in callback data (64 bytes with the prefix), so keep them short.
MAX_ID_LENGTH = 48


class KnowledgeBaseError(ValueError):
    """The content files cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    question: str
    phrasings: tuple[str, ...]
    answer_html: str  # fees already rendered with their euro conversion
    legal_basis: str
    sources: tuple[str, ...]
    reviewed: dt.date  # when the entry's facts were last checked against the cited source
    source_file: str = ""
    valid_from: dt.date | None = None  # the date a law change made these facts true
    # Entries that answer the same question (e.g. a ЦПО and a ЦИПО fee table both saying how to
    # pay) share a group: they do not count as rivals when the matcher weighs its confidence.
    group: str | None = None
    # Questions people actually asked that this entry answers (knowledge/data/questions.tsv):
    # matched like phrasings, but their words (typos included) never become the vocabulary
    # that typos are corrected to.
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[FaqEntry, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[FaqEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def render_fees(text: str) -> str:
    """Replace every {{bgn N}} marker with "N лв (X € при превалутиране ...)"."""
    return _BGN.sub(lambda m: format_bgn_with_eur(m.group(1).replace(",", ".")), text)


def _as_str_list(value: object, where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeBaseError(f"{where}: '{field}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _entry_from_table(table: dict[str, object], where: str) -> FaqEntry:
    missing = [
        f
        for f in ("id", "question", "answer", "legal_basis", "sources", "reviewed")
        if not table.get(f)
    ]
    if missing:
        raise KnowledgeBaseError(f"{where}: missing {', '.join(missing)}")
    entry_id = str(table["id"])
    where = f"{where} (id {entry_id})"
    if not _ID.match(entry_id) or len(entry_id) > MAX_ID_LENGTH:
        raise KnowledgeBaseError(
            f"{where}: id must be lowercase latin letters, digits and dashes, "
            f"at most {MAX_ID_LENGTH} characters"
        )
    reviewed = table["reviewed"]
    if not isinstance(reviewed, dt.date) or isinstance(reviewed, dt.datetime):
        raise KnowledgeBaseError(f"{where}: 'reviewed' must be a date like 2026-11-25")
    valid_from = table.get("valid_from")
    if valid_from is not None and (
        not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime)
    ):
        raise KnowledgeBaseError(f"{where}: 'valid_from' must be a date like 2024-03-29")
    group = table.get("group")
    if group is not None and (not isinstance(group, str) or not _ID.match(group)):
        raise KnowledgeBaseError(f"{where}: 'group' must be lowercase latin letters and dashes")
    sources = _as_str_list(table["sources"], where, "sources")
    if not all(s.startswith(("https://", "http://")) for s in sources):
        raise KnowledgeBaseError(f"{where}: every source must be a URL")
    answer = render_fees(str(table["answer"]).strip())
    if "{{" in answer:
        raise KnowledgeBaseError(f"{where}: unknown {{{{...}}}} marker in the answer")
    problems = html_problems(answer)
    if problems:
        raise KnowledgeBaseError(f"{where}: answer is not valid Telegram HTML: {problems[0]}")
    return FaqEntry(
        id=entry_id,
        question=str(table["question"]).strip(),
        phrasings=_as_str_list(table.get("phrasings", []), where, "phrasings"),
        answer_html=answer,
        legal_basis=str(table["legal_basis"]).strip(),
        sources=sources,
        reviewed=reviewed,
        source_file=where.split(":")[0],
        valid_from=valid_from,
        group=group,
    )


def load_entries(paths: Sequence[Path]) -> list[FaqEntry]:
    entries: list[FaqEntry] = []
    for path in paths:
        try:
            with path.open("rb") as fh:
                document = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise KnowledgeBaseError(f"{path.name}: not valid TOML: {exc}") from exc
        for index, table in enumerate(document.get("entry", []), start=1):
            entries.append(_entry_from_table(table, f"{path.name}: entry {index}"))
    return entries


def load_knowledge_base(faq_dir: Path = FAQ_DIR) -> KnowledgeBase:
    """Load and check every FAQ file; raise KnowledgeBaseError naming the first problem."""
    paths = sorted(faq_dir.glob("*.toml"))
    if not paths:
        raise KnowledgeBaseError(f"no FAQ files in {faq_dir}")
    entries = load_entries(paths)
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen:
            raise KnowledgeBaseError(
                f"duplicate id {entry.id!r} in {entry.source_file} and {seen[entry.id]}"
            )
        seen[entry.id] = entry.source_file
    return KnowledgeBase(tuple(entries))


@dataclass(frozen=True, slots=True)
class ExampleQuestion:
    question: str
    entry_id: str | None  # None: no entry answers it (out of scope)
    style: str = ""  # how it was written: conv, frag, typo, latin, long, formal, synonym, chat


def load_questions(path: Path = QUESTIONS_FILE) -> list[ExampleQuestion]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            ExampleQuestion(
                row["question"].strip(),
                None if row["expected"].strip() == OUT_OF_SCOPE else row["expected"].strip(),
                (row.get("style") or "").strip(),
            )
            for row in reader
            if row["question"].strip()
        ]


def with_examples(base: KnowledgeBase, examples: Iterable[ExampleQuestion]) -> KnowledgeBase:
    """The knowledge base with people's questions added to the phrasings of their entries."""
    extra: dict[str, list[str]] = {}
    for example in examples:
        if example.entry_id is not None:
            extra.setdefault(example.entry_id, []).append(example.question)
    return KnowledgeBase(
        tuple(
            replace(e, examples=(*e.examples, *extra[e.id])) if e.id in extra else e
            for e in base.entries
        )
    )


# -- content published by staff in the bot ---------------------------------------------------

NEW_ENTRY = "new_entry"
PHRASING = "phrasing"
MAX_STAFF_TEXT = 3000  # an answer typed in chat; Telegram caps a message at 4096 characters


@dataclass(frozen=True, slots=True)
class FaqChange:
    """A new entry or an alternate phrasing that staff published in the bot."""

    id: int
    published_at: dt.datetime
    change: str  # NEW_ENTRY / PHRASING
    entry_id: str
    question: str  # the new entry's question, or the phrasing
    answer: str | None = None  # plain text as staff typed it
    legal_basis: str | None = None
    source: str | None = None


def staff_entry_id(change_id_hint: str) -> str:
    """Ids of entries written in the bot: "staff-" and a short stable suffix."""
    return f"staff-{change_id_hint}"[:MAX_ID_LENGTH]


def apply_changes(base: KnowledgeBase, changes: Sequence[FaqChange]) -> KnowledgeBase:
    """The TOML content with staff's published changes on top, in the order they were made.
    A phrasing for an entry that no longer exists is skipped rather than failing start-up."""
    entries = {e.id: e for e in base.entries}
    order = [e.id for e in base.entries]
    for change in changes:
        if change.change == NEW_ENTRY and change.entry_id not in entries:
            entries[change.entry_id] = FaqEntry(
                id=change.entry_id,
                question=change.question,
                phrasings=(),
                answer_html=escape(change.answer or "", quote=False),
                legal_basis=change.legal_basis or "",
                sources=(change.source,) if change.source else (),
                reviewed=change.published_at.date(),
                source_file="published in the bot",
            )
            order.append(change.entry_id)
        elif change.change == PHRASING and change.entry_id in entries:
            entry = entries[change.entry_id]
            if change.question not in entry.phrasings:
                entries[change.entry_id] = replace(
                    entry, phrasings=(*entry.phrasings, change.question)
                )
    return KnowledgeBase(tuple(entries[i] for i in order))
