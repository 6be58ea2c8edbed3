"""One Bulgarian normalizer for every feature that compares user text with known text.

The FAQ matcher, the document checklist and the register's name check all go through it, so a
question typed in Latin letters, without capitals or with an abbreviation spelt out reaches the
same words as the official wording.

Pipeline: Unicode clean-up -> lowercase -> Latin-typed words transliterated to Cyrillic ->
punctuation to spaces -> tokens -> stop words dropped -> full names folded into their
abbreviation (both ways meet at one token) -> morphology (simplemma lemma, then BulStem stem).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cyrtranslit
import simplemma
from bulstem.stem import BulStemmer

DATA_DIR = Path(__file__).parent / "data"

_LATIN = re.compile(r"[a-z]")
_LATIN_WORD = re.compile(r"[a-z0-9'`]*[a-z][a-z0-9'`]*")
# A token: a Cyrillic word, or a number with optional dash-joined parts ("3-54а", "522020").
_TOKEN = re.compile(r"\d+(?:[-–]\d*[а-яѝ]*)*|[а-яѝ]+(?:-[а-яѝ]+)*")
_NUMBER_WORD = re.compile(r"^(\d+)[-–]([а-яѝ]{3,})$")
# Control characters and separators become spaces (a zero-width space separates words) ...
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b\u2028\u2029]")
# ... other invisible marks (soft hyphen, joiners, direction marks, BOM) simply vanish.
_INVISIBLE = re.compile(r"[\u00ad\u200c-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")

# How people type Bulgarian on a Latin keyboard in chats, mapped onto the Streamlined System that
# cyrtranslit understands. Order matters: longer patterns first.
_CHAT_LATIN = (
    (re.compile(r"sht"), "sht"),
    (re.compile(r"ia"), "ya"),
    (re.compile(r"iu"), "yu"),
    (re.compile(r"c(?!h)"), "ts"),
    (re.compile(r"q"), "ya"),
    (re.compile(r"w"), "v"),
    (re.compile(r"(?<!d)j"), "zh"),  # "moje", "jalba": j is ж in chat Bulgarian
    (re.compile(r"x"), "h"),
    (re.compile(r"(?<=[a-z])4|4(?=[a-z])"), "ch"),
    (re.compile(r"(?<=[a-z])6|6(?=[a-z])"), "sh"),
    (re.compile(r"[`']"), "a"),  # "s`s" for "със"
)


def transliterate_latin(word: str) -> str:
    """Latin-typed Bulgarian word -> Cyrillic ("triabvat" -> "трябват", "cpo" -> "цпо")."""
    for pattern, replacement in _CHAT_LATIN:
        word = pattern.sub(replacement, word)
    cyrillic = cyrtranslit.to_cyrillic(word, "bg")
    return _with_er_for_a(cyrillic) if "а" in cyrillic else cyrillic


@lru_cache(maxsize=20_000)
def _with_er_for_a(word: str) -> str:
    """People type "a" for "ъ" ("centar", "svarzha", "sas"): when the word is not Bulgarian as
    transliterated but becomes a dictionary word with one "а" read as "ъ", take that."""
    if len(word) < 3 or simplemma.is_known(word, lang="bg"):
        return word
    for i, letter in enumerate(word):
        if letter == "а":
            candidate = word[:i] + "ъ" + word[i + 1 :]
            if simplemma.is_known(candidate, lang="bg"):
                return candidate
    return word


def clean_text(text: str) -> str:
    """Lowercase Cyrillic text with single spaces: no control characters, no punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", text)).lower().replace("ё", "е")
    if _LATIN.search(text):
        text = _LATIN_WORD.sub(lambda m: transliterate_latin(m.group(0)), text)
    return " ".join(_TOKEN.findall(text))


@dataclass(frozen=True)
class _Abbreviation:
    token: str
    phrases: tuple[tuple[str, ...], ...]  # each full name as a sequence of stems, stop words out


@dataclass
class BulgarianNormalizer:
    """Turns text into comparable stems. Build once (loading the stemmer costs ~40 ms) and share."""

    stopwords: frozenset[str]
    abbreviations: dict[str, list[str]] = field(default_factory=dict)
    # The knowledge base's word -> other words and phrases people type for it.
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    use_lemmas: bool = True
    use_stems: bool = True
    stem_context: int = 1  # BulStem rule set: letters of left context (1 conflates most)
    min_stem_length: int = 4  # words this short are kept whole ("ибан", "такси")

    def __post_init__(self) -> None:
        self._stemmer = BulStemmer.from_file(
            f"stem-context-{self.stem_context}", min_freq=2, left_context=self.stem_context
        )
        # Abbreviation tokens are never stemmed ("напоо" must not become "напо").
        self.abbreviation_tokens = frozenset(clean_text(a) for a in self.abbreviations)
        self._stem_cached = lru_cache(maxsize=200_000)(self._stem_uncached)
        # A question is analysed by the matcher and again for its repeat key: remember a few.
        self._analyze_cached = lru_cache(maxsize=4096)(self._analyze_uncached)
        abbreviations = []
        for abbreviation, full_names in self.abbreviations.items():
            token = clean_text(abbreviation)
            phrases = tuple(
                tuple(self._morph_tokens(self._content_words(clean_text(name))))
                for name in full_names
            )  # stems of each full name
            abbreviations.append(_Abbreviation(token, tuple(p for p in phrases if p)))
        # Full names by their first stem, longest first, so "правилник за дейността на напоо"
        # wins over shorter ones and most words need a single dictionary look-up.
        self._phrases_by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for abbreviation in abbreviations:
            for phrase in abbreviation.phrases:
                if len(phrase) > 1:
                    self._phrases_by_first.setdefault(phrase[0], []).append(
                        (phrase, abbreviation.token)
                    )
        # Synonyms: one word maps stem to stem; a phrase folds like a full name above.
        self._synonym_stem: dict[str, str] = {}
        for canonical, variants in self.synonyms.items():
            canonical_stems = self._morph_tokens(self._content_words(clean_text(canonical)))
            if len(canonical_stems) != 1:
                continue  # a synonym key is one word
            for variant in variants:
                stems = tuple(self._morph_tokens(self._content_words(clean_text(variant))))
                if len(stems) == 1 and stems[0] != canonical_stems[0]:
                    self._synonym_stem[stems[0]] = canonical_stems[0]
                elif len(stems) > 1:
                    self._phrases_by_first.setdefault(stems[0], []).append(
                        (stems, canonical_stems[0])
                    )
        for phrases in self._phrases_by_first.values():
            phrases.sort(key=lambda item: -len(item[0]))

    # -- public API -------------------------------------------------------------------------

    def stem(self, word: str) -> str:
        """Morphological base of one clean lowercase word (numbers and abbreviations unchanged)."""
        return self._stem_cached(word)

    def tokens(self, text: str) -> list[str]:
        """Content stems of `text`, with full names folded into their abbreviation token."""
        return [stem for _, stem in self.analyze(text)]

    def analyze(self, text: str) -> list[tuple[str, str]]:
        """(surface word, stem) pairs of the content words; a folded full name is one pair."""
        return list(self._analyze_cached(text))

    def _analyze_uncached(self, text: str) -> tuple[tuple[str, str], ...]:
        words = self._content_words(clean_text(text))
        stems = self._morph_tokens(words)
        pairs = self._fold_abbreviations(list(zip(words, stems, strict=True)))
        return tuple((word, self._synonym_stem.get(stem, stem)) for word, stem in pairs)

    def words(self, text: str) -> list[str]:
        """Clean words without morphology (for names and codes, where endings matter)."""
        return clean_text(text).split()

    # -- internals --------------------------------------------------------------------------

    def _content_words(self, clean: str) -> list[str]:
        words = []
        for word in clean.split():
            # "15-годишен" is a number and a word; "3-54а" (a form's number) stays whole.
            number_word = _NUMBER_WORD.match(word)
            parts = number_word.groups() if number_word else (word,)
            words.extend(p for p in parts if p not in self.stopwords)
        return words

    def _morph_tokens(self, words: Iterable[str]) -> list[str]:
        return [self.stem(w) for w in words]

    def _stem_uncached(self, word: str) -> str:
        if not word or word[0].isdigit() or word in self.abbreviation_tokens:
            return word
        base = word
        if self.use_lemmas:
            base = simplemma.lemmatize(word, lang="bg")
            # simplemma marks reflexive verbs as "подам-(се)": keep the verb.
            base = base.split("-(")[0] or word
        if self.use_stems and len(base) > self.min_stem_length:
            base = self._stemmer.stem(base)
        return base

    def _fold_abbreviations(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        if not self._phrases_by_first or len(pairs) < 2:
            return pairs
        stems = [stem for _, stem in pairs]
        out: list[tuple[str, str]] = []
        i = 0
        while i < len(stems):
            for phrase, token in self._phrases_by_first.get(stems[i], ()):
                if tuple(stems[i : i + len(phrase)]) == phrase:
                    out.append((token, token))
                    i += len(phrase)
                    break
            else:
                out.append(pairs[i])
                i += 1
        return out


def load_normalizer(data_dir: Path = DATA_DIR, **options: int | bool) -> BulgarianNormalizer:
    """The normalizer configured by the content files (stop words, abbreviations)."""
    stopwords = frozenset(
        line.strip()
        for line in (data_dir / "stopwords-bg.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    with (data_dir / "abbreviations.toml").open("rb") as fh:
        abbreviations = tomllib.load(fh)["abbreviations"]
    synonyms_file = data_dir / "synonyms.toml"
    synonyms = {}
    if synonyms_file.exists():
        with synonyms_file.open("rb") as fh:
            synonyms = tomllib.load(fh).get("synonyms", {})
    return BulgarianNormalizer(
        stopwords=stopwords,
        abbreviations=abbreviations,
        synonyms=synonyms,
        **options,  # type: ignore[arg-type]
    )
