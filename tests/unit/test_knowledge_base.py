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

FACTS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "napoo-facts.md"


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


def test_uncertain_facts_are_flagged_not_invented(knowledge):
    new_licence_fee = knowledge.matcher.get("fee-new-cpo-licence").answer_html
    assert "лв" not in new_licence_fee or "не е" in new_licence_fee
    for entry_id in ("cpo-licence-term", "cpo-decision-time-limit"):
        answer = knowledge.matcher.get(entry_id).answer_html.lower()
        assert "напоо" in answer and ("не е" in answer or "не са" in answer or "няма" in answer), (
            entry_id
        )


@pytest.mark.skipif(
    not FACTS.exists(), reason="../shared/domain/napoo-facts.md is not beside the repository"
)
def test_every_source_url_comes_from_the_facts_file(knowledge):
    facts = FACTS.read_text(encoding="utf-8")
    for entry in knowledge.matcher.entries:
        for url in entry.sources:
            assert url in facts, (entry.id, url)


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
