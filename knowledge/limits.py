"""How often the register may be asked: a privacy rule, so it lives with the domain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    seconds: int


# Per user: enough for a centre checking a class's certificates, too few to sweep the register.
USER_LIMITS = (Limit(10, 600), Limit(50, 86_400))
# For the whole bot, whoever asks.
GLOBAL_LIMITS = (Limit(600, 60),)
