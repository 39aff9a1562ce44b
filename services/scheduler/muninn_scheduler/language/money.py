"""Amounts of money in text: "45 euros", "€45", "45,50 €", "$12.50", "EUR 45", "twenty quid".

A symbol or word that several currencies share ("$", "kr", "pesos") names the user's
default currency when it is one of them, else the most common one ("$" is USD) — or none
at all when no currency is the obvious one ("kr" is Swedish, Norwegian, Danish or Icelandic):
then the assistant asks rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from muninn_shared.money import CURRENCIES

from muninn_scheduler.language.numbers import DIGITS, NUMBER_WORDS, number_value

DOLLARS = ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD")
DOLLAR_SIGN = (*DOLLARS, "MXN", "ARS", "CLP", "COP")  # "$" is also the peso's sign
KRONOR = ("SEK", "NOK", "DKK", "ISK")
PESOS = ("MXN", "ARS", "CLP", "COP", "PHP", "UYU", "DOP", "CUP")


@dataclass(frozen=True)
class Named:
    """What a symbol or word says: one currency, or a preferred one and its alternatives."""

    currency: str | None
    alternatives: tuple[str, ...] = ()


SYMBOLS: dict[str, Named] = {
    "us$": Named("USD"),
    "a$": Named("AUD"),
    "au$": Named("AUD"),
    "c$": Named("CAD"),
    "ca$": Named("CAD"),
    "nz$": Named("NZD"),
    "hk$": Named("HKD"),
    "s$": Named("SGD"),
    "r$": Named("BRL"),
    "$": Named("USD", DOLLAR_SIGN),
    "€": Named("EUR"),
    "£": Named("GBP"),
    "¥": Named("JPY", ("JPY", "CNY")),
    "￥": Named("JPY", ("JPY", "CNY")),
    "₹": Named("INR"),
    "₩": Named("KRW"),
    "₺": Named("TRY"),
    "₽": Named("RUB"),
    "₪": Named("ILS"),
    "₫": Named("VND"),
    "₱": Named("PHP"),
    "₦": Named("NGN"),
    "฿": Named("THB"),
    "₴": Named("UAH"),
    "zł": Named("PLN"),
    "kr": Named(None, KRONOR),
    "kr.": Named(None, KRONOR),
}
WORDS: dict[str, Named] = {
    **dict.fromkeys(("euro", "euros"), Named("EUR")),
    **dict.fromkeys(("dollar", "dollars", "buck", "bucks"), Named("USD", DOLLARS)),
    **dict.fromkeys(("pound", "pounds", "quid", "sterling"), Named("GBP")),
    "yen": Named("JPY"),
    **dict.fromkeys(("yuan", "rmb", "renminbi"), Named("CNY")),
    **dict.fromkeys(("rupee", "rupees"), Named("INR", ("INR", "PKR", "LKR", "NPR"))),
    **dict.fromkeys(("franc", "francs"), Named("CHF")),
    **dict.fromkeys(
        ("krona", "kronor", "krone", "kroner", "kronur", "crowns"), Named(None, KRONOR)
    ),
    **dict.fromkeys(("real", "reais"), Named("BRL")),
    **dict.fromkeys(("peso", "pesos"), Named(None, PESOS)),
    **dict.fromkeys(("zloty", "zlotys", "złoty", "złotych"), Named("PLN")),
    **dict.fromkeys(("forint", "forints"), Named("HUF")),
    "rand": Named("ZAR"),
    **dict.fromkeys(("lira", "liras", "lire"), Named("TRY")),
    **dict.fromkeys(("ruble", "rubles", "rouble", "roubles"), Named("RUB")),
    **dict.fromkeys(("shekel", "shekels"), Named("ILS")),
    "won": Named("KRW"),
    "baht": Named("THB"),
    **dict.fromkeys(("dirham", "dirhams"), Named("AED", ("AED", "MAD"))),
    **dict.fromkeys(("riyal", "riyals"), Named("SAR", ("SAR", "QAR", "OMR"))),
    "ringgit": Named("MYR"),
}
# Codes that are English words count only in capitals ("45 TRY", not "worth a try").
WORDLIKE_CODES = frozenset(
    {"ALL", "TRY", "CUP", "TOP", "MOP", "BOB", "PEN", "SOS", "GEL", "MAD", "BAM", "CAD", "NAD"}
)

_SYMBOL = "|".join(re.escape(s) for s in sorted(SYMBOLS, key=len, reverse=True))
_WORD = "|".join(sorted(WORDS, key=len, reverse=True))
_CODE = "|".join(sorted(CURRENCIES))
MONEY = re.compile(
    rf"(?:(?P<pre>{_SYMBOL}|(?<![^\W\d_])(?:{_CODE}))\s?(?P<n1>{DIGITS})(?!\d)"
    rf"|(?<![\w.,])(?P<n2>{DIGITS}|{NUMBER_WORDS})\s?(?P<post>{_SYMBOL}|(?:{_WORD}|{_CODE})\b))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str | None
    """The currency said, or the most common one a shared symbol stands for; None when
    nobody could tell ("kr") or none was said (a bare number)."""
    span: tuple[int, int]
    alternatives: tuple[str, ...] = field(default=())
    """The currencies a shared symbol may mean; the user's default picks among them."""

    def resolve(self, default: str | None) -> str | None:
        """The currency meant, given the user's ``default``; None: ask them."""
        if default is not None and default in self.alternatives:
            return default
        if self.currency is not None:
            return self.currency
        if not self.alternatives:
            return default  # a bare number is in the user's currency
        return None


def _named(token: str) -> Named | None:
    lowered = token.lower()
    if lowered in SYMBOLS:
        return SYMBOLS[lowered]
    if lowered in WORDS:
        return WORDS[lowered]
    code = token.upper()
    if code in CURRENCIES and (token.isupper() or code not in WORDLIKE_CODES):
        return Named(code)
    return None


def find_money(text: str) -> list[Money]:
    """Every amount of money written in ``text``, in order."""
    found: list[Money] = []
    position = 0
    while (match := MONEY.search(text, position)) is not None:
        token = match.group("pre") or match.group("post")
        number = match.group("n1") or match.group("n2")
        named = _named(token)
        amount = number_value(number)
        if named is None or amount is None or amount <= 0:
            # "all 45 euros": "all" is no currency here, but "45 euros" after it is money.
            position = match.start() + 1
            continue
        found.append(Money(amount, named.currency, match.span(), named.alternatives))
        position = match.end()
    return found
