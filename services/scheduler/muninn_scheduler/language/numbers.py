"""Numbers as people write them in English: digits ("45", "1,234.50", "45,50") and words
("twenty", "forty-five", "a hundred", "a dozen", "a couple")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SMALL = {
    "zero": 0,
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_UNIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_SMALL_WORDS = "|".join(sorted((w for w in SMALL if w not in ("a", "an")), key=len, reverse=True))
_TENS_WORDS = "|".join(TENS)
# "forty-five", "twenty", "a hundred", "two hundred and fifty", "nine".
NUMBER_WORDS = (
    rf"(?:(?:a|one|two|three|four|five|six|seven|eight|nine)\s+hundred"
    rf"(?:\s+(?:and\s+)?(?:(?:{_TENS_WORDS})(?:[\s-](?:{_UNIT_WORDS}))?|{_SMALL_WORDS}))?"
    rf"|(?:{_TENS_WORDS})(?:[\s-](?:{_UNIT_WORDS}))?"
    rf"|{_SMALL_WORDS})"
)
# Digits with optional thousands groups and decimals: 45, 45.5, 45,50, 1,234.56, 1.234,56.
DIGITS = r"\d{1,3}(?:[,.\u00a0]\d{3})+(?:[.,]\d{1,3})?|\d+(?:[.,]\d{1,3})?"

_WORD = re.compile(r"[a-z]+", re.IGNORECASE)


def words_value(text: str) -> int | None:
    """The value of number words ("forty-five" → 45, "a hundred and ten" → 110)."""
    total = 0
    current = 0
    seen = False
    for word in _WORD.findall(text.lower()):
        if word == "and":
            continue
        if word in SMALL:
            current += SMALL[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            return None
        seen = True
    total += current
    return total if seen else None


def digits_value(text: str) -> Decimal | None:
    """The value of written digits, telling thousands separators from decimal ones.

    With both ``,`` and ``.`` the last is the decimal separator (``1,234.56``, ``1.234,56``);
    a lone ``,`` before exactly three digits groups thousands (``1,234``) and is otherwise a
    decimal comma (``45,50``); a lone ``.`` is a decimal point unless it groups more than
    once (``1.234.567``)."""
    raw = text.replace("\u00a0", "").replace(" ", "")
    if "," in raw and "." in raw:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        raw = raw.replace(grouping, "").replace(decimal_mark, ".")
    elif "," in raw:
        groups = raw.split(",")
        if all(len(g) == 3 for g in groups[1:]) and (len(groups) > 2 or len(groups[-1]) == 3):
            raw = raw.replace(",", "")
        elif len(groups) == 2:
            raw = raw.replace(",", ".")
        else:
            return None
    elif raw.count(".") > 1:
        if not all(len(g) == 3 for g in raw.split(".")[1:]):
            return None
        raw = raw.replace(".", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def number_value(text: str) -> Decimal | None:
    """Digits or number words."""
    stripped = text.strip()
    if stripped[:1].isdigit():
        return digits_value(stripped)
    value = words_value(stripped)
    return None if value is None else Decimal(value)
