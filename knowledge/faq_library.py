"""The FAQ in use: the TOML content plus what staff published in the bot, swapped in whole."""

from __future__ import annotations

import time
from collections.abc import Sequence

from knowledge.faq import FaqChange, KnowledgeBase, apply_changes
from knowledge.matcher import FaqMatcher, MatchThresholds
from knowledge.normalize import BulgarianNormalizer

# How often a process looks for changes published through another process (several bot
# processes share one database): one cheap query at most this often.
CHANGES_POLL_SECONDS = 30.0


class FaqLibrary:
    """The FAQ matcher in use. Published changes build a new matcher and swap it in whole, so an
    update being answered meanwhile keeps a consistent one."""

    def __init__(
        self,
        base: KnowledgeBase,
        normalizer: BulgarianNormalizer,
        thresholds: MatchThresholds,
        base_matcher: FaqMatcher | None = None,
        negatives: Sequence[str] = (),
    ) -> None:
        self.base = base
        self.normalizer = normalizer
        self.thresholds = thresholds
        self.negatives = tuple(negatives)  # questions known to be out of scope
        self._base_matcher = base_matcher or FaqMatcher(
            base, normalizer, thresholds, negatives=self.negatives
        )
        self.matcher = self._base_matcher
        self.applied_change_id = 0
        self._next_poll = 0.0

    def fork(self) -> FaqLibrary:
        """A library of its own (one per dispatcher) that starts from this one's content, sharing
        its matcher of the TOML content (matchers are never changed, only replaced)."""
        return FaqLibrary(
            self.base, self.normalizer, self.thresholds, self._base_matcher, self.negatives
        )

    def apply(self, changes: Sequence[FaqChange]) -> None:
        """Rebuild from the TOML content plus every published change (in order)."""
        if not changes:
            self.matcher, self.applied_change_id = self._base_matcher, 0
            return
        self.matcher = FaqMatcher(
            apply_changes(self.base, changes),
            self.normalizer,
            self.thresholds,
            negatives=self.negatives,
        )
        self.applied_change_id = max((c.id for c in changes), default=0)

    def poll_due(self) -> bool:
        now = time.monotonic()
        if now < self._next_poll:
            return False
        self._next_poll = now + CHANGES_POLL_SECONDS
        return True
