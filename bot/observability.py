"""What operators see: one structured log line per update (id, type, outcome, time; never
personal data or the token), Prometheus metrics, and the once-only handling of each update."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from prometheus_client import CollectorRegistry, Counter, Histogram

from storage.dedup import UpdateDeduplicator

log = logging.getLogger("bot.updates")

# The update being handled, for every log line written meanwhile (see UpdateIdFilter).
CURRENT_UPDATE: ContextVar[int | None] = ContextVar("current_update", default=None)


class Metrics:
    """One registry per process (not the library's global one, so tests stay independent)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "napoo_updates_total",
            "Updates handled, by update type and result",
            ["type", "result"],
            registry=self.registry,
        )
        self.errors = Counter(
            "napoo_update_errors_total", "Updates whose handling failed", registry=self.registry
        )
        self.latency = Histogram(
            "napoo_update_seconds",
            "Time to handle one update",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.consultations = Counter(
            "napoo_consultations_total",
            "Consultations recorded, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "napoo_duplicate_updates_total",
            "Updates received again and not handled twice",
            registry=self.registry,
        )
        self.flood_waits = Counter(
            "napoo_flood_waits_total",
            "Telegram flood-control answers (429) waited out",
            registry=self.registry,
        )


def _update_type(update: Update) -> str:
    return update.event_type if isinstance(update, Update) else type(update).__name__


class UpdateMiddleware(BaseMiddleware):
    """Outermost: once-only handling, timing, the log line and the metrics of each update.

    Inner middlewares and repositories note the consultations they record in
    `data["recorded"]`; they are counted only when the update's transaction committed."""

    def __init__(self, deduplicator: UpdateDeduplicator, metrics: Metrics) -> None:
        self.deduplicator = deduplicator
        self.metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        bot_id = data["bot"].id
        kind = _update_type(event)
        token = CURRENT_UPDATE.set(event.update_id)
        started = time.perf_counter()
        try:
            if not await self.deduplicator.claim(bot_id, event.update_id):
                self.metrics.duplicates.inc()
                self.metrics.updates.labels(kind, "duplicate").inc()
                log.info("update=%s type=%s outcome=duplicate", event.update_id, kind)
                return None
            recorded: list[tuple[str, str]] = []
            data["recorded"] = recorded
            try:
                result = await handler(event, data)
            except BaseException:
                await self.deduplicator.release(bot_id, event.update_id)
                elapsed = time.perf_counter() - started
                self.metrics.errors.inc()
                self.metrics.updates.labels(kind, "error").inc()
                self.metrics.latency.observe(elapsed)
                log.info(
                    "update=%s type=%s outcome=error ms=%.1f", event.update_id, kind, elapsed * 1e3
                )
                raise
            await self.deduplicator.done(bot_id, event.update_id)
            elapsed = time.perf_counter() - started
            self.metrics.latency.observe(elapsed)
            self.metrics.updates.labels(kind, "handled").inc()
            for consultation_kind, _ in recorded:
                self.metrics.consultations.labels(consultation_kind).inc()
            outcome = ",".join(f"{k}:{o}" for k, o in recorded) or "no_consultation"
            log.info(
                "update=%s type=%s outcome=%s ms=%.1f",
                event.update_id,
                kind,
                outcome,
                elapsed * 1e3,
            )
            return result
        finally:
            CURRENT_UPDATE.reset(token)


class UpdateIdFilter(logging.Filter):
    """Adds the update being handled (if any) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = CURRENT_UPDATE.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, update id (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        update_id = getattr(record, "update_id", None)
        if update_id is not None:
            entry["update_id"] = update_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
