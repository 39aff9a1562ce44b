"""Money as the services take it in: ISO 4217 currency codes and exact decimal amounts.

A currency code is validated against the active ISO 4217 list, and an amount never passes
through a float: it is a ``Decimal`` with no more decimal places than its currency has minor
units (two for EUR, none for JPY, three for KWD). Identity validates a user's default
currency with it, the scheduler every expense.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

# Active ISO 4217 codes (2025) with their minor units; every code not listed has two.
_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_TWO_DECIMALS = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR "
    "LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD "
    "PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
    "SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST XCD XCG YER ZAR "
    "ZMW ZWG"
)

MINOR_UNITS: Mapping[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS.split(), 2),
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
}
CURRENCIES = frozenset(MINOR_UNITS)

MAX_AMOUNT = Decimal("1000000000000")  # a trillion: anything larger is a typo, not a purchase


def currency_code(value: Any) -> str:
    """An ISO 4217 code, upper-cased (``"eur"`` is ``"EUR"``); ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 4217 currency code such as 'EUR'")
    code = value.strip().upper()
    if code not in CURRENCIES:
        raise ValueError(f"'{value[:12]}' is not an ISO 4217 currency code (e.g. 'EUR', 'USD')")
    return code


CurrencyCode = Annotated[str, BeforeValidator(currency_code)]


def decimal_amount(value: Any) -> Decimal:
    """A positive amount from a string or integer; a float is refused, it may already be off."""
    if isinstance(value, bool | float):
        raise ValueError('give the amount as a string such as "45.50" (never a float)')
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError('must be a decimal number such as "45.50"') from None
    else:
        raise ValueError('must be a decimal number such as "45.50"')
    if not amount.is_finite() or amount <= 0:
        raise ValueError("must be a positive amount")
    if amount >= MAX_AMOUNT:
        raise ValueError("is too large")
    return amount


Amount = Annotated[
    Decimal,
    BeforeValidator(decimal_amount),
    # Documented as the string it should be sent as, so clients never build it from a float.
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$", "examples": ["45.00"]}),
]


def in_minor_units(amount: Decimal, currency: str) -> Decimal:
    """``amount`` written with exactly the currency's decimal places (``45`` EUR is ``45.00``).

    ValueError when it has more places than the currency has (``0.5`` JPY, ``1.234`` EUR):
    such an amount is a mistake to point out, not one to round away."""
    places = MINOR_UNITS[currency]
    exponent = Decimal(1).scaleb(-places)
    exact = amount.quantize(exponent)
    if exact != amount:
        raise ValueError(f"{currency} amounts have {places} decimal places at most")
    return exact
