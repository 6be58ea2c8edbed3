"""Numbers and counted nouns in Bulgarian, as the bot shows them to people.

Why not Babel: CLDR (and so Babel) knows only two plural categories for Bulgarian, "one" for
exactly 1 and "other" for everything else, and it has no notion of the count form of masculine
nouns ("2 реда", "5 документа", not "2 редове"), so every noun still needs its forms written out
here. What Babel would add beyond that — the decimal comma and the space between digit groups —
is a few lines; the package is 36 MB installed. Measured and decided against (issue 11, item 6).

The rules implemented:
- a count of exactly 1 takes the singular ("1 ред", "1 оценка"); every other count, including 0,
  21 and fractions, takes the form after numerals: the count form for masculine nouns ("0 реда",
  "21 реда", "5 документа"), the plural for the others ("2 оценки", "5 консултации");
- numbers have a decimal comma ("4,5"); digits are grouped in threes by a no-break space only
  when the whole part has five digits or more ("1234", "12 345"), as the Bulgarian orthography
  and CLDR's minimumGroupingDigits=2 for "bg" both say;
- a percentage is separated from its number by a no-break space ("45 %").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

NBSP = "\u00a0"


class Noun(NamedTuple):
    """A noun's two forms that follow a number: after 1, and after any other number."""

    one: str  # "ред", "оценка"
    counted: str  # "реда" (count form of a masculine noun), "оценки" (plural)


def format_number(value: int | float | Decimal, decimals: int | None = None) -> str:
    """`value` the Bulgarian way. With `decimals`, rounded half up to exactly that many places
    ("5,00"); without, integers as they are and other numbers with the digits they need."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    elif number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    text = f"{abs(number):f}"
    whole, _, fraction = text.partition(".")
    if len(whole) >= 5:
        groups = []
        while whole:
            groups.append(whole[-3:])
            whole = whole[:-3]
        whole = NBSP.join(reversed(groups))
    sign = "-" if number < 0 else ""
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def noun_after(count: int | float | Decimal, noun: Noun) -> str:
    """The form of `noun` that follows the number `count`."""
    return noun.one if count == 1 else noun.counted


def count(value: int | float | Decimal, noun: Noun, decimals: int | None = None) -> str:
    """ "1 ред", "2 реда", "12 345 консултации", "1,5 часа"."""
    return f"{format_number(value, decimals)} {noun_after(value, noun)}"


def percent(value: int | float | Decimal, decimals: int = 0) -> str:
    """ "45 %" (no-break space before the sign)."""
    return f"{format_number(value, decimals)}{NBSP}%"
