from __future__ import annotations

from handlers.formatting import split_message


def test_short_text_is_one_message():
    assert split_message("кратко") == ["кратко"]


def test_long_text_splits_at_line_breaks_within_the_limit():
    lines = [f"ред {i} " + "х" * 90 for i in range(120)]
    text = "\n".join(lines)
    parts = split_message(text, limit=4096)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text  # nothing lost, cut only between lines


def test_one_enormous_line_is_cut_at_spaces():
    text = ("дума " * 3000).strip()
    parts = split_message(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert " ".join(parts).split() == text.split()
