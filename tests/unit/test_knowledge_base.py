"""The whole knowledge base loads and every entry is fit to send."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from handlers import texts
from handlers.keyboards import PickEntry
from knowledge.faq import KnowledgeBaseError, load_knowledge_base
from knowledge.telegram_html import TELEGRAM_MESSAGE_LIMIT, html_problems


def test_size_and_unique_ids(knowledge):
    ids = [e.id for e in knowledge.matcher.entries]
    assert len(ids) >= 70
    assert len(set(ids)) == len(ids)


def test_every_entry_is_complete(knowledge):
    for entry in knowledge.matcher.entries:
        assert entry.sources, entry.id
        assert entry.legal_basis, entry.id
        assert len(entry.phrasings) >= 3, entry.id
        assert entry.reviewed <= dt.date.today(), entry.id


def test_answers_render_as_valid_telegram_html_within_the_limit(knowledge):
    for entry in knowledge.matcher.entries:
        message = texts.answer(entry)
        assert not html_problems(message), (entry.id, html_problems(message))
        assert len(message) <= TELEGRAM_MESSAGE_LIMIT, entry.id


def test_entry_ids_fit_in_callback_data(knowledge):
    for entry in knowledge.matcher.entries:
        assert len(PickEntry(entry_id=entry.id, consultation_id=2**53).pack().encode()) <= 64


def test_fees_carry_a_marked_euro_conversion(knowledge):
    for entry in knowledge.matcher.entries:
        for _amount in re.findall(r"(\d+) лв", entry.answer_html):
            assert "€ при превалутиране по фиксирания курс 1,95583" in entry.answer_html, entry.id


def test_facts_nobody_published_are_not_invented(knowledge):
    """The Тарифа's amounts for a new licence and the number of months of the decision term are
    not published in any source we could read: the answers say what to do instead of a number."""
    known_amounts = {"100", "950", "1250", "1550"}
    fee = knowledge.matcher.get("fee-new-cpo-licence").answer_html
    assert set(re.findall(r"(\d+) лв", fee)) <= known_amounts, fee
    decision = knowledge.matcher.get("cpo-decision-time-limit").answer_html
    assert "ал. 5" in decision and ("971 20 70" in decision or "napoo@" in decision), decision


SHARED_DOMAIN = Path(__file__).resolve().parents[3] / "shared" / "domain"
SOURCES_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "sources.md"
# Hosts of code repositories: program code is never a source a citizen is pointed to.
CODE_HOSTS = ("github.com", "githubusercontent.com", "gitlab.com", "bitbucket.org")
# Words about our own research rather than the agency's facts, and stale caveats.
OUTSIDER_VOICE = re.compile(
    r"източниц|с които разполагаме|изходн\w* код|програмн\w* код|кода на (?:ИС|системата)"
    r"|отпреди изменението|не можем да посочим|github",
    re.IGNORECASE,
)
# Citations the 2024 amendment (ДВ бр. 27/2024) made wrong: the decision term moved from
# чл. 49б, ал. 4 to ал. 5; the five-year deletion rule (ал. 13, т. 2) was repealed.
STALE_CITATIONS = re.compile(r"49б,\s*ал\.\s*4\b(?!\s*[–-])|ал\.\s*13,\s*т\.\s*2|I\s*[–-]\s*V\b")


def _entries_matching(knowledge, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(entry id, the text found) for each entry whose answer or legal basis matches."""
    return [
        (e.id, m.group(0))
        for e in knowledge.matcher.entries
        for m in [pattern.search(e.answer_html + " " + e.legal_basis)]
        if m
    ]


def test_no_source_points_into_a_code_repository(knowledge):
    bad = [
        (e.id, url)
        for e in knowledge.matcher.entries
        for url in e.sources
        if any(host in url.split("/")[2] for host in CODE_HOSTS)
    ]
    assert not bad, bad


def test_answers_speak_as_the_agency_not_about_our_sources(knowledge):
    bad = _entries_matching(knowledge, OUTSIDER_VOICE)
    assert not bad, bad


def test_no_citation_the_2024_amendment_moved(knowledge):
    bad = _entries_matching(knowledge, STALE_CITATIONS)
    assert not bad, bad


def test_answers_are_short_unless_a_list_needs_more(knowledge):
    for entry in knowledge.matcher.entries:
        plain = re.sub(r"<[^>]+>", "", entry.answer_html)
        has_list = bool(re.search(r"^\s*(?:•|\d+\.)", plain, re.MULTILINE))
        assert len(plain) <= (1600 if has_list else 900), (entry.id, len(plain))


def test_reviews_older_than_a_year_are_flagged():
    """A warning, not a failure: the entry still answers, but staff should re-check it."""
    old = [
        e.id
        for e in load_knowledge_base()
        if e.reviewed < dt.date.today() - dt.timedelta(days=365)
    ]
    if old:
        import warnings

        warnings.warn(f"FAQ entries not reviewed for over a year: {old}", stacklevel=1)
    assert all(e.reviewed <= dt.date.today() for e in load_knowledge_base())


@pytest.mark.skipif(
    not SHARED_DOMAIN.exists(), reason="../shared/domain is not beside the repository"
)
def test_every_source_url_is_documented(knowledge):
    """Each URL comes from the domain facts files or from knowledge/data/sources.md, where
    every fact we researched ourselves is listed with its source and the date it was read."""
    known = SOURCES_FILE.read_text(encoding="utf-8") if SOURCES_FILE.exists() else ""
    for path in SHARED_DOMAIN.glob("*.md"):
        known += path.read_text(encoding="utf-8")
    missing = [(e.id, url) for e in knowledge.matcher.entries for url in e.sources if url not in known]
    assert not missing, missing


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            '[[entry]]\nid = "x"\nquestion = "?"\nanswer = "a"\nlegal_basis = "b"\nsources = ["https://x"]\n',
            "reviewed",
        ),
        (
            '[[entry]]\nid = "Bad Id"\nquestion = "?"\nanswer = "a"\nlegal_basis = "b"\nsources = ["https://x"]\nreviewed = 2026-01-01\n',
            "id must be",
        ),
        (
            '[[entry]]\nid = "x"\nquestion = "?"\nanswer = "<div>a</div>"\nlegal_basis = "b"\nsources = ["https://x"]\nreviewed = 2026-01-01\n',
            "Telegram HTML",
        ),
        (
            '[[entry]]\nid = "x"\nquestion = "?"\nanswer = "A & B"\nlegal_basis = "b"\nsources = ["https://x"]\nreviewed = 2026-01-01\n',
            "Telegram HTML",
        ),
        (
            '[[entry]]\nid = "x"\nquestion = "?"\nanswer = "a"\nlegal_basis = "b"\nsources = ["not a url"]\nreviewed = 2026-01-01\n',
            "URL",
        ),
        ("[[entry]\n", "not valid TOML"),
    ],
)
def test_bad_content_is_rejected_with_the_file_and_reason(tmp_path, content, problem):
    (tmp_path / "10-x.toml").write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=problem) as error:
        load_knowledge_base(tmp_path)
    assert "10-x.toml" in str(error.value)


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    entry = '[[entry]]\nid = "x"\nquestion = "?"\nanswer = "a"\nlegal_basis = "b"\nsources = ["https://x"]\nreviewed = 2026-01-01\n'
    (tmp_path / "a.toml").write_text(entry, encoding="utf-8")
    (tmp_path / "b.toml").write_text(entry, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="duplicate id"):
        load_knowledge_base(tmp_path)


def test_knowledge_imports_neither_aiogram_nor_sqlalchemy():
    code = textwrap.dedent(
        """
        import sys, pkgutil, importlib, knowledge
        for module in pkgutil.walk_packages(knowledge.__path__, "knowledge."):
            importlib.import_module(module.name)
        from knowledge.faq import load_knowledge_base
        from knowledge.matcher import FaqMatcher, MatchThresholds
        from knowledge.normalize import load_normalizer
        FaqMatcher(load_knowledge_base(), load_normalizer(), MatchThresholds.load()).match("такса")
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in {"aiogram", "sqlalchemy", "bot", "handlers", "storage"})
        print(leaked)
        raise SystemExit(1 if leaked else 0)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
