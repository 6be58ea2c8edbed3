"""Telegram adapters. `create_root_router()` fixes the order; free-text FAQ matching is last."""

from __future__ import annotations

from aiogram import Router


def create_root_router() -> Router:
    from handlers import (
        common,
        documents,
        faq,
        feedback,
        handover,
        register,
        staff,
        survey,
        unsupported,
    )

    root = Router(name="root")
    root.include_router(staff.create_router())  # behind role filters; before /help
    root.include_router(handover.create_router())  # staff replies to cases come first
    root.include_router(common.create_router())
    root.include_router(feedback.create_router())
    root.include_router(survey.create_router())
    root.include_router(documents.create_router())  # before "unsupported": it takes PDFs
    root.include_router(register.create_router())
    root.include_router(unsupported.create_router())
    root.include_router(common.create_fallback_router())  # unknown commands, stale buttons
    root.include_router(faq.create_router())  # free text: last
    return root
