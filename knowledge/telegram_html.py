"""The subset of HTML that Telegram accepts in messages: checking it and turning it into text.

Content files are written in this subset; the loader checks every answer so a typo in a tag is
caught when the knowledge base loads, not when Telegram rejects a message.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
        "span",
    }
)
TELEGRAM_MESSAGE_LIMIT = 4096


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed by Telegram")
        if tag == "a" and not any(k == "href" and v for k, v in attrs):
            self.problems.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"closing </{tag}> does not match an open tag")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append("unescaped < or > in text")
        self.text_parts.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.problems.append(f"entity &{name}; is not supported by Telegram")
        self.text_parts.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text_parts.append(html.unescape(f"&#{name};"))


def html_problems(text: str) -> list[str]:
    """Why Telegram would reject `text` in HTML parse mode; empty when it is fine."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    problems = list(checker.problems)
    if checker.stack:
        problems.append(f"unclosed tags: {', '.join(checker.stack)}")
    # A bare "&" that is not an entity: the parser passes it through as data.
    for index, char in enumerate(text):
        if char == "&" and not _is_entity_at(text, index):
            problems.append("unescaped & (write &amp;)")
            break
    return problems


def _is_entity_at(text: str, index: int) -> bool:
    end = text.find(";", index)
    if end == -1 or end - index > 8:
        return False
    name = text[index + 1 : end]
    return name in {"lt", "gt", "amp", "quot"} or (name.startswith("#") and name[1:].isdigit())


def to_plain_text(text: str) -> str:
    """Telegram HTML -> plain text (tags dropped, entities resolved)."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return "".join(checker.text_parts).strip()
