"""Money in the knowledge base: fees are published in лв; the euro figure is a conversion."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Bulgaria joined the euro area on 1 January 2026 at this irrevocably fixed rate.
BGN_PER_EUR = Decimal("1.95583")


def bgn_to_eur(amount_bgn: Decimal | int | str) -> Decimal:
    """Euro equivalent of a лв amount at the fixed rate, rounded to the cent (half up)."""
    return (Decimal(str(amount_bgn)) / BGN_PER_EUR).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _bg_number(value: Decimal) -> str:
    """Bulgarian number format: decimal comma, no decimals for whole amounts."""
    if value == value.to_integral_value():
        return f"{int(value)}"
    return f"{value:.2f}".replace(".", ",")


def format_bgn_with_eur(amount_bgn: Decimal | int | str) -> str:
    """ "950 лв (485,73 € при превалутиране по фиксирания курс 1,95583)"."""
    amount = Decimal(str(amount_bgn))
    return (
        f"{_bg_number(amount)} лв "
        f"({_bg_number(bgn_to_eur(amount))} € при превалутиране по фиксирания курс "
        f"{str(BGN_PER_EUR).replace('.', ',')})"
    )
