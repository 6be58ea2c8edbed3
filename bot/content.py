"""The content built once at start-up: knowledge base, normalizer, matcher (no Telegram here),
and the live FAQ library that staff's published changes update without a restart."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.checklists import Checklist, DocumentMatcher, load_checklists
from knowledge.faq import load_knowledge_base, load_questions, with_examples
from knowledge.faq_library import FaqLibrary
from knowledge.matcher import FaqMatcher, MatchThresholds
from knowledge.normalize import load_normalizer


@dataclass(frozen=True)
class Knowledge:
    library: FaqLibrary
    checklists: dict[str, Checklist]
    document_matchers: dict[str, DocumentMatcher]

    @property
    def matcher(self) -> FaqMatcher:
        return self.library.matcher


def build_knowledge() -> Knowledge:
    """Load and check the content; raises KnowledgeBaseError / ChecklistError naming a file."""
    normalizer = load_normalizer()
    checklists = load_checklists()
    questions = load_questions()
    return Knowledge(
        library=FaqLibrary(
            with_examples(load_knowledge_base(), questions),
            normalizer,
            MatchThresholds.load(),
            negatives=[q.question for q in questions if q.entry_id is None],
        ),
        checklists=checklists,
        document_matchers={p: DocumentMatcher(c, normalizer) for p, c in checklists.items()},
    )
