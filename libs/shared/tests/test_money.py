"""Money: ISO 4217 codes, exact decimal amounts, and each currency's decimal places."""

from __future__ import annotations

from decimal import Decimal

import pytest
from muninn_shared.money import CURRENCIES, Amount, CurrencyCode, in_minor_units
from pydantic import BaseModel, ValidationError


class Price(BaseModel):
    amount: Amount
    currency: CurrencyCode


def test_codes_are_checked_against_iso_4217_and_upper_cased() -> None:
    assert Price.model_validate({"amount": "45.00", "currency": "eur"}).currency == "EUR"
    assert {"EUR", "USD", "GBP", "JPY", "SEK", "KWD"} <= CURRENCIES
    for bad in ("EURO", "XYZ", "€", "", 978):
        with pytest.raises(ValidationError):
            Price.model_validate({"amount": "1", "currency": bad})


def test_amounts_are_exact_decimals_from_strings_or_integers_never_floats() -> None:
    assert Price.model_validate({"amount": "0.10", "currency": "EUR"}).amount == Decimal("0.10")
    assert Price.model_validate({"amount": 45, "currency": "EUR"}).amount == Decimal(45)
    for bad in (0.1, "0", "-3", "abc", "NaN", "Infinity", True, "1e13"):
        with pytest.raises(ValidationError):
            Price.model_validate({"amount": bad, "currency": "EUR"})


def test_amounts_take_their_currencys_decimal_places_and_never_lose_any() -> None:
    assert str(in_minor_units(Decimal("45"), "EUR")) == "45.00"
    assert str(in_minor_units(Decimal("45.5"), "EUR")) == "45.50"
    assert str(in_minor_units(Decimal("1200"), "JPY")) == "1200"
    assert str(in_minor_units(Decimal("1.5"), "KWD")) == "1.500"
    for amount, currency in (("1.234", "EUR"), ("0.5", "JPY"), ("1.0001", "KWD")):
        with pytest.raises(ValueError, match="decimal places"):
            in_minor_units(Decimal(amount), currency)
