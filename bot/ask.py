"""`python -m bot ask`: the matcher from the command line, without Telegram."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from bot.content import Knowledge
from knowledge.matcher import Answer, Clarify, FaqMatcher, Suggest, Unknown
from knowledge.telegram_html import to_plain_text


def ask_result(matcher: FaqMatcher, question: str) -> dict[str, object]:
    """One question as the JSON object of `python -m bot ask --json`."""
    result = matcher.match(question)
    payload: dict[str, object] = {
        "question": question,
        "status": "unknown",
        "entry_id": None,
        "answer": None,
        "score": round(result.score, 4),
        "suggestions": [],
        "sources": [],
        "out_of_domain": isinstance(result, Unknown) and result.out_of_domain,
    }
    if isinstance(result, Answer):
        payload.update(
            status="answer",
            entry_id=result.entry.id,
            answer=to_plain_text(result.entry.answer_html),
            sources=list(result.entry.sources),
        )
    elif isinstance(result, Clarify):
        payload.update(
            status="clarify",
            suggestions=[
                {"entry_id": c.entry.id, "title": c.entry.question, "label": label}
                for c, label in zip(result.options, result.labels, strict=True)
            ],
        )
    elif isinstance(result, Suggest):
        payload.update(
            status="suggest",
            suggestions=[
                {"entry_id": c.entry.id, "title": c.entry.question} for c in result.candidates
            ],
        )
    return payload


def run_ask(knowledge: Knowledge, questions: Iterable[str], as_json: bool, out: TextIO) -> None:
    for raw in questions:
        question = raw.rstrip("\n")
        payload = ask_result(knowledge.matcher, question)
        if as_json:
            out.write(json.dumps(payload, ensure_ascii=False) + "\n")
            out.flush()
            continue
        out.write(f"? {question}\n[{payload['status']}, {payload['score']}]\n")
        if payload["status"] == "answer":
            out.write(f"{payload['answer']}\n{' '.join(payload['sources'])}\n\n")  # type: ignore[arg-type]
        elif payload["status"] in ("suggest", "clarify"):
            for s in payload["suggestions"]:  # type: ignore[union-attr]
                out.write(f"  - {s['title']} ({s['entry_id']})\n")
            out.write("\n")
        else:
            out.write("  (no confident answer)\n\n")
