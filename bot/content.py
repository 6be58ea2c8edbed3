"""The content built once at start-up: knowledge base, normalizer, matcher (no Telegram here)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.faq import load_knowledge_base
from knowledge.matcher import FaqMatcher, MatchThresholds
from knowledge.normalize import load_normalizer


@dataclass(frozen=True)
class Knowledge:
    matcher: FaqMatcher


def build_knowledge() -> Knowledge:
    """Load and check the content; raises KnowledgeBaseError naming a bad file."""
    knowledge_base = load_knowledge_base()
    return Knowledge(
        matcher=FaqMatcher(knowledge_base, load_normalizer(), MatchThresholds.load()),
    )
