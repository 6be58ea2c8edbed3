"""Pseudonyms and masking: what lets us count consultations without keeping who asked."""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

# ЕГН and ЛНЧ are 10 digits; people also type them with spaces or dashes between groups.
_EGN_LIKE = re.compile(r"(?<!\d)(?:\d[ \-]?){9}\d(?!\d)")
MASK = "[скрит номер]"


def keyed_hash(secret: str, value: str, purpose: str) -> str:
    """HMAC-SHA256 of `value`, separated by `purpose` so one key can serve several uses."""
    hasher = _keyed(secret).copy()  # the key's inner/outer pads are computed once per secret
    hasher.update(f"{purpose}\x00{value}".encode())
    return hasher.hexdigest()


@lru_cache(maxsize=16)
def _keyed(secret: str) -> hmac.HMAC:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def pseudonymous_user_key(secret: str, channel: str, user_id: int) -> str:
    """A stable user key; without the secret it cannot be turned back into the Telegram id."""
    return keyed_hash(secret, f"{channel}:{user_id}", "user")[:32]


def mask_personal_numbers(text: str) -> str:
    """Replace ЕГН/ЛНЧ-like 10-digit numbers in free text before it is stored."""
    return _EGN_LIKE.sub(MASK, text)
