"""Logging for the whole process, with a last line of defence against leaking secrets."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
_EGN_LIKE = re.compile(r"(?<!\d)\d{10}(?!\d)")


class RedactingFilter(logging.Filter):
    """Masks bot tokens and ЕГН-like numbers in every record, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _EGN_LIKE.sub("[number]", _TOKEN.sub("[token]", message))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str, log_format: str = "text") -> None:
    """Text for a terminal; one JSON object per line (LOG_FORMAT=json) for journald and log
    collectors. Either way every record carries the id of the update being handled."""
    from bot.observability import JsonFormatter, UpdateIdFilter

    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    handler.addFilter(UpdateIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access and client logs may carry URLs with the token in them.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
