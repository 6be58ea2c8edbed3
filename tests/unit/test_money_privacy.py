from __future__ import annotations

from decimal import Decimal

import pytest

from knowledge.faq import render_fees
from knowledge.money import bgn_to_eur, format_bgn_with_eur
from knowledge.privacy import keyed_hash, mask_personal_numbers, pseudonymous_user_key


@pytest.mark.parametrize(
    ("bgn", "eur"),
    [(100, "51.13"), (950, "485.73"), (1250, "639.11"), (1550, "792.50"), ("1.95583", "1.00")],
)
def test_fixed_rate_conversion(bgn, eur):
    assert bgn_to_eur(bgn) == Decimal(eur)


def test_fee_marker_renders_leva_and_marked_conversion():
    text = render_fees("Таксата е {{bgn 950}}.")
    assert text == "Таксата е 950 лв (485,73 € при превалутиране по фиксирания курс 1,95583)."
    assert format_bgn_with_eur("100") in render_fees("{{ bgn 100 }}")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("егн 8001011234", "егн [скрит номер]"),
        ("ЕГН: 800101 1234!", "ЕГН: [скрит номер]!"),
        ("лиценз 200312074", "лиценз 200312074"),  # 9 digits: a licence number, kept
        ("код 5220210", "код 5220210"),
        ("12345678901", "12345678901"),  # 11 digits: not an ЕГН
    ],
)
def test_egn_like_numbers_are_masked(text, masked):
    assert mask_personal_numbers(text) == masked


def test_pseudonyms_are_stable_keyed_and_not_reversible_by_eye():
    a = pseudonymous_user_key("secret-one-0123456789", "telegram", 42)
    assert a == pseudonymous_user_key("secret-one-0123456789", "telegram", 42)
    assert a != pseudonymous_user_key("secret-two-0123456789", "telegram", 42)
    assert a != pseudonymous_user_key("secret-one-0123456789", "console", 42)
    assert "42" not in a or len(a) == 32
    assert keyed_hash("k", "v", "user") != keyed_hash("k", "v", "egn")
