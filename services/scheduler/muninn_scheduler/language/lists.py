"""Recognising shopping-list requests by rules (the offline extractor).

- add: "add milk and two dozen eggs to the shopping list", "put 3 kg of potatoes on my
  list", "add bread to the hardware store list", "we're out of coffee";
- show: "what's on my list?", "show me the shopping list", "what do I need to buy?",
  "what lists do I have?";
- check off: "got the eggs", "I bought milk and bread", "tick off the eggs", "cross milk off
  my list" (only items on a list are ticked: "I got the job" ticks nothing);
- remove: "remove milk from my list", "take the eggs off the shopping list";
- clear: "clear the completed items", "clear ticked items from my list" (completed only),
  "clear my shopping list", "empty the list" (everything).

Quantities: "two dozen eggs" (24), "half a dozen", "a couple of apples" (2), "3 kg potatoes",
"2 bottles of wine", "1.5 l milk". No list named, or "shopping", "grocery", "groceries": the
user's default list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from muninn_shared.whitespace import plain_whitespace

from muninn_scheduler.language.numbers import DIGITS, NUMBER_WORDS, number_value

MAX_TEXT = 500
MAX_ITEMS = 30
MAX_QUANTITY = Decimal(10000)

DEFAULT_ALIASES = frozenset(
    {"", "shopping", "grocery", "groceries", "food", "supermarket", "shop", "store"}
)
UNITS: dict[str, str] = {
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("g", "gr", "gram", "grams", "grammes"), "g"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), "lb"),
    **dict.fromkeys(("oz", "ounce", "ounces"), "oz"),
    **dict.fromkeys(("l", "litre", "litres", "liter", "liters", "ltr"), "l"),
    **dict.fromkeys(("ml", "millilitre", "millilitres", "milliliter", "milliliters"), "ml"),
    **dict.fromkeys(("pack", "packs", "packet", "packets", "pkt"), "pack"),
    **dict.fromkeys(("bottle", "bottles"), "bottle"),
    **dict.fromkeys(("can", "cans", "tin", "tins"), "can"),
    **dict.fromkeys(("box", "boxes"), "box"),
    **dict.fromkeys(("bag", "bags"), "bag"),
    **dict.fromkeys(("jar", "jars"), "jar"),
    **dict.fromkeys(("loaf", "loaves"), "loaf"),
    **dict.fromkeys(("bunch", "bunches"), "bunch"),
    **dict.fromkeys(("carton", "cartons"), "carton"),
    **dict.fromkeys(("tub", "tubs"), "tub"),
    **dict.fromkeys(("roll", "rolls"), "roll"),
}
_UNIT_WORDS = "|".join(sorted(UNITS, key=len, reverse=True))
_COUNT = rf"(?:{DIGITS}|{NUMBER_WORDS}|an?)"
QUANTITY = re.compile(
    rf"^(?:(?P<dozens>{_COUNT})\s+dozens?|(?P<half>half\s+a)\s+dozen|(?P<couple>a\s+couple)(?:\s+of)?"
    rf"|(?P<count>{_COUNT})(?:\s*(?P<unit>{_UNIT_WORDS})\b(?:\s+of)?|\s*x\b)?)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
TRAILING_QUANTITY = re.compile(r"^(?P<rest>.+?)\s*(?:x\s*|\u00d7\s*)(?P<count>\d+)$", re.IGNORECASE)
ARTICLE = re.compile(r"^(?:the|some|more|a\s+few|a\s+bit\s+of|a\s+little|any|my|our)\s+", re.I)
# Two words joined by "and" that are one thing on a shopping list.
ONE_THING = frozenset(
    {"mac and cheese", "salt and pepper", "fish and chips", "bread and butter", "salt and vinegar"}
)
NOT_PLURAL = frozenset(
    {"hummus", "asparagus", "couscous", "molasses", "swiss", "lentils", "grits", "oats"}
)


def _list(group: str = "list") -> str:
    """A list named in a sentence: "my list", "the shopping list", "our hardware store list"."""
    return rf"(?:(?:my|the|our)\s+)?(?P<{group}>[\w'\u2019&\- ]{{0,40}}?)\s*list"


_LIST = _list()
_POLITE = r"^(?:(?:ok(?:ay)?|hey|so|also|and|oh)[,!]?\s+)*(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
ADD = re.compile(
    _POLITE + r"(?:add|put|stick|pop|throw|write(?:\s+down)?)\s+(?P<items>.+?)\s+"
    r"(?:to|on|onto|in|into)\s+"
    r"(?:(?:my|the|our)\s+)?(?P<list>[\w'\u2019&\- ]{0,40}?)(?:\s*list\b|(?<=shopping)|(?<=groceries))"
    r"(?:\s*(?:please|thanks))?$",
    re.IGNORECASE,
)
OUT_OF = re.compile(
    r"^(?:(?:oh|ah|hey|so)[,!]?\s+)*(?:we(?:'re|\s+are)|i'?m|i\s+am)\s+(?:all\s+|almost\s+|nearly\s+)?"
    r"out\s+of\s+(?P<items>.+)$|^(?:we|i)\s+(?:just\s+)?ran\s+out\s+of\s+(?P<items2>.+)$",
    re.IGNORECASE,
)
SHOW = re.compile(
    _POLITE
    + r"(?:what(?:'s|\s+is|\s+are|\s+do\s+i\s+have|\s+do\s+we\s+have)?\s+(?:on|in)\s+"
    + _LIST
    + r"|(?:show|read|give|tell|send)\s+(?:me\s+|us\s+)?(?:what'?s\s+on\s+)?"
    + _list("list2")
    + r")(?:\s+(?:again|now|please))?$",
    re.IGNORECASE,
)
SHOW_NEEDS = re.compile(
    r"^what\s+(?:else\s+)?(?:do|did)\s+(?:i|we)\s+(?:still\s+)?need\s+(?:to\s+)?(?:buy|get|pick\s+up)"
    r"(?:\s+(?:at|from)\s+the\s+(?:shops?|store|supermarket))?$",
    re.IGNORECASE,
)
SHOW_ALL = re.compile(
    r"^(?:what|which)\s+lists\s+do\s+(?:i|we)\s+have$|^(?:show|list)\s+(?:me\s+)?(?:all\s+)?(?:my|our)\s+lists$",
    re.IGNORECASE,
)
CHECK = re.compile(
    r"^(?:(?:ok(?:ay)?|so|also|and)[,!]?\s+)*(?:(?:i|we)(?:'ve|\s+have)?\s+)?(?:just\s+|already\s+|finally\s+)?"
    r"(?:got|bought|picked\s+up|grabbed)\s+(?P<items>.+?)"
    r"(?:\s+(?:from|at)\s+(?:the\s+)?(?:shops?|store|supermarket|market|[A-Z][\w']*))?$",
    re.IGNORECASE,
)
TICK = re.compile(
    _POLITE + r"(?:tick|check|cross|mark)\s+(?:off\s+)?(?P<items>.+?)(?:\s+off)?"
    r"(?:\s+(?:from|on|off)\s+" + _LIST + r")?(?:\s+as\s+(?:done|bought|got|complete(?:d)?))?$",
    re.IGNORECASE,
)
REMOVE = re.compile(
    _POLITE
    + r"(?:remove|delete|take|drop|scratch)\s+(?P<items>.+?)\s+(?:off|from|out\s+of)\s+"
    + _LIST
    + r"$",
    re.IGNORECASE,
)
CLEAR_DONE = re.compile(
    _POLITE
    + r"(?:clear|remove|delete|empty|clean\s+up)\s+(?:out\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+|my\s+|our\s+)?"
    r"(?:completed|complete|done|checked|ticked|bought|crossed[\s-]off|finished)"
    r"(?:\s+(?:ones|items|things|stuff))?(?:\s+(?:from|on|off|in)\s+" + _LIST + r")?$",
    re.IGNORECASE,
)
CLEAR_ALL = re.compile(
    _POLITE + r"(?:clear|empty|wipe|reset)\s+(?:out\s+)?" + _LIST + r"(?:\s+completely)?$",
    re.IGNORECASE,
)
SPLIT = re.compile(r"\s*(?:,\s*(?:and\s+|&\s+)?|\s+and\s+|\s+&\s+|\s+plus\s+)\s*", re.IGNORECASE)
EVERYTHING = frozenset({"everything", "all", "it all", "all of it", "the lot", "all of them"})


class ListAction(StrEnum):
    ADD = "add"
    SHOW = "show"
    SHOW_ALL = "show_all"
    CHECK = "check"
    REMOVE = "remove"
    CLEAR = "clear"


@dataclass(frozen=True)
class ItemDraft:
    name: str
    quantity: Decimal = Decimal(1)
    unit: str | None = None


@dataclass(frozen=True)
class ListCommand:
    action: ListAction
    list_name: str | None = None
    """The list named; None for the user's default list."""
    items: tuple[ItemDraft, ...] = ()
    everything: bool = False
    """"got everything on the list": every open item."""
    completed_only: bool = True
    """For CLEAR: only what is ticked off (else every item)."""


def _clean(text: str) -> str | None:
    stripped = plain_whitespace(text).strip()
    if not stripped or len(stripped) > MAX_TEXT:
        return None
    return stripped.rstrip(" .!?")


def list_name(raw: str | None) -> str | None:
    """The list a phrase names ("hardware store"); None for the default one."""
    name = (raw or "").strip(" -'").lower()
    if name.endswith("'s"):
        name = name[:-2]
    if name in DEFAULT_ALIASES or name.removesuffix(" shopping") in DEFAULT_ALIASES:
        return None
    return " ".join(w.capitalize() if i == 0 else w for i, w in enumerate((raw or "").split()))


def quantity_of(phrase: str) -> ItemDraft | None:
    """One item with its quantity and unit ("two dozen eggs", "3 kg of potatoes")."""
    text = ARTICLE.sub("", phrase.strip(" ,.;:"), count=1).strip()
    if not text:
        return None
    quantity = Decimal(1)
    unit: str | None = None
    match = QUANTITY.match(text)
    if match:
        rest = match.group("rest").strip()
        if match.group("dozens"):
            count = number_value(match.group("dozens"))
            quantity = (count or Decimal(0)) * 12
        elif match.group("half"):
            quantity = Decimal(6)
        elif match.group("couple"):
            quantity = Decimal(2)
        else:
            count = number_value(match.group("count"))
            if count is None:
                return None
            quantity = count
            if match.group("unit"):
                unit = UNITS[match.group("unit").lower()]
        text = ARTICLE.sub("", rest, count=1).strip()
    else:
        trailing = TRAILING_QUANTITY.match(text)
        if trailing:
            quantity = Decimal(trailing.group("count"))
            text = trailing.group("rest").strip()
    if not text or quantity <= 0 or quantity > MAX_QUANTITY:
        return None
    if text.lower().startswith("of "):
        text = text[3:]
    return ItemDraft(name=text[:100], quantity=quantity, unit=unit)


def split_items(text: str) -> list[str]:
    """ "milk, eggs and bread" → three phrases; "mac and cheese" stays one."""
    protected = text
    for phrase in ONE_THING:
        protected = re.sub(
            re.escape(phrase), phrase.replace(" and ", "\x00"), protected, flags=re.I
        )
    parts = [p.replace("\x00", " and ").strip() for p in SPLIT.split(protected)]
    return [p for p in parts if p][:MAX_ITEMS]


def _items(text: str) -> tuple[ItemDraft, ...]:
    found = [quantity_of(part) for part in split_items(text)]
    return tuple(item for item in found if item is not None)


def parse_list_command(text: str) -> ListCommand | None:
    """The list request in one message; None if there is none."""
    stripped = _clean(text)
    if stripped is None:
        return None
    if SHOW_ALL.match(stripped):
        return ListCommand(ListAction.SHOW_ALL)
    if match := SHOW.match(stripped):
        return ListCommand(ListAction.SHOW, list_name(match.group("list") or match.group("list2")))
    if SHOW_NEEDS.match(stripped):
        return ListCommand(ListAction.SHOW)
    if match := CLEAR_DONE.match(stripped):
        return ListCommand(ListAction.CLEAR, list_name(match.group("list")))
    if match := CLEAR_ALL.match(stripped):
        return ListCommand(ListAction.CLEAR, list_name(match.group("list")), completed_only=False)
    if match := ADD.match(stripped):
        items = _items(match.group("items"))
        return ListCommand(ListAction.ADD, list_name(match.group("list")), items) if items else None
    if match := OUT_OF.match(stripped):
        items = _items(match.group("items") or match.group("items2"))
        return ListCommand(ListAction.ADD, None, items) if items else None
    if match := REMOVE.match(stripped):
        items = _items(match.group("items"))
        return (
            ListCommand(ListAction.REMOVE, list_name(match.group("list")), items) if items else None
        )
    for pattern in (TICK, CHECK):
        if match := pattern.match(stripped):
            named = match.groupdict().get("list")
            phrase = match.group("items").strip()
            if (
                phrase.lower().removesuffix(" on the list").removesuffix(" on my list")
                in EVERYTHING
            ):
                return ListCommand(ListAction.CHECK, list_name(named), everything=True)
            items = _items(phrase)
            return ListCommand(ListAction.CHECK, list_name(named), items) if items else None
    return None


def item_key(name: str) -> str:
    """How items are told apart for merging: lower case, no article, singular ("Eggs" and
    "the egg" are one item)."""
    words = ARTICLE.sub("", name.strip().lower(), count=1).split()
    if not words:
        return ""
    words[-1] = _singular(words[-1])
    return " ".join(words)


def _singular(word: str) -> str:
    if word in NOT_PLURAL or len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("oes") and word not in ("shoes", "canoes"):
        return word[:-2]
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word
