"""The content built once at start-up: knowledge base, normalizer, matcher (no Telegram here)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.checklists import Checklist, DocumentMatcher, load_checklists
from knowledge.faq import load_knowledge_base
from knowledge.matcher import FaqMatcher, MatchThresholds
from knowledge.normalize import load_normalizer


@dataclass(frozen=True)
class Knowledge:
    matcher: FaqMatcher
    checklists: dict[str, Checklist]
    document_matchers: dict[str, DocumentMatcher]


def build_knowledge() -> Knowledge:
    """Load and check the content; raises KnowledgeBaseError / ChecklistError naming a file."""
    normalizer = load_normalizer()
    checklists = load_checklists()
    return Knowledge(
        matcher=FaqMatcher(load_knowledge_base(), normalizer, MatchThresholds.load()),
        checklists=checklists,
        document_matchers={p: DocumentMatcher(c, normalizer) for p, c in checklists.items()},
    )
