"""Expense categories: a fixed seed list, each with keywords that file an expense under it
("Lidl", "groceries" → groceries; "taxi" → transport), which a user may extend with keywords
and categories of their own. The user's keywords are checked first; among matches, the one
found earliest in the text wins ("lunch at the supermarket" is eating out)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

OTHER = "other"


@dataclass(frozen=True)
class SeedCategory:
    id: str
    name: str
    keywords: tuple[str, ...]


def _seed(category: str, name: str, keywords: str) -> SeedCategory:
    return SeedCategory(category, name, tuple(k.strip() for k in keywords.split(",") if k.strip()))


SEED_CATEGORIES: tuple[SeedCategory, ...] = (
    _seed(
        "groceries",
        "Groceries",
        "groceries, grocery, supermarket, food shopping, lidl, aldi, tesco, sainsbury's, "
        "sainsburys, asda, morrisons, waitrose, carrefour, mercadona, pingo doce, continente, "
        "auchan, edeka, rewe, albert heijn, kroger, safeway, whole foods, trader joe's, costco, "
        "bakery, butcher, greengrocer, market, fika",
    ),
    _seed(
        "eating_out",
        "Eating out",
        "eating out, restaurant, restaurants, lunch, dinner, breakfast, brunch, coffee, "
        "coffees, cafe, café, takeaway, take-away, takeout, pizza, burger, sushi, kebab, "
        "drinks, bar, pub, beer, beers, mcdonald's, starbucks, meal, uber eats, deliveroo, "
        "just eat, doordash, food delivery, snack, ice cream",
    ),
    _seed(
        "transport",
        "Transport",
        "transport, taxi, cab, uber, bolt, lyft, bus, train, metro, subway, tram, fuel, petrol, "
        "diesel, gas station, parking, toll, car wash, scooter, bike share, commute, "
        "travel card, oyster",
    ),
    _seed(
        "travel",
        "Travel",
        "travel, flight, flights, plane ticket, airline, hotel, airbnb, hostel, trip, holiday, "
        "vacation, luggage, car rental",
    ),
    _seed(
        "housing",
        "Housing",
        "rent, mortgage, landlord, furniture, ikea, plumber, repairs, cleaning, cleaner, "
        "home insurance",
    ),
    _seed(
        "utilities",
        "Utilities",
        "utilities, electricity, power bill, water bill, gas bill, internet, broadband, wifi, "
        "phone bill, mobile plan, heating",
    ),
    _seed(
        "health",
        "Health",
        "health, pharmacy, chemist, doctor, dentist, medicine, medication, prescription, "
        "hospital, physio, therapy, optician, glasses, gym, fitness, yoga",
    ),
    _seed(
        "entertainment",
        "Entertainment",
        "entertainment, cinema, movie, movies, film, concert, theatre, theater, museum, game, "
        "games, netflix, spotify, disney+, festival, tickets, streaming",
    ),
    _seed(
        "shopping",
        "Shopping",
        "shopping, clothes, shoes, amazon, electronics, zara, h&m, gadget, shirt, dress, "
        "jacket, phone case",
    ),
    _seed(
        "education",
        "Education",
        "education, course, tuition, school, books, book, class, lessons",
    ),
    _seed("gifts", "Gifts and donations", "gift, gifts, present, presents, donation, charity"),
    _seed(
        "personal_care",
        "Personal care",
        "haircut, hairdresser, barber, salon, cosmetics, spa, massage, nails",
    ),
    _seed(OTHER, "Other", ""),
)
SEEDS: Mapping[str, SeedCategory] = {c.id: c for c in SEED_CATEGORIES}


@lru_cache(maxsize=2048)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(keyword.lower())}(?![\w])")


def _earliest(text: str, rules: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    lowered = text.lower()
    best: tuple[int, int, str] | None = None
    for order, (category, keywords) in enumerate(rules):
        for keyword in keywords:
            match = _keyword_pattern(keyword).search(lowered)
            if match is not None and (best is None or (match.start(), order) < best[:2]):
                best = (match.start(), order, category)
    return None if best is None else best[2]


def categorise(text: str, own: Mapping[str, Iterable[str]] | None = None) -> str:
    """The category ``text`` (a description, a merchant) belongs to: the user's own keywords
    first, then the seed list's; ``other`` when nothing matches."""
    if own:
        mine = _earliest(text, own.items())
        if mine is not None:
            return mine
    found = _earliest(text, ((c.id, c.keywords) for c in SEED_CATEGORIES))
    return found or OTHER


def category_named(phrase: str, own: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The category a question names ("eating out", "restaurants", "Groceries"), if any."""
    wanted = phrase.strip().lower()
    if not wanted:
        return None
    for seed in SEED_CATEGORIES:
        if wanted in (seed.id, seed.id.replace("_", " "), seed.name.lower()):
            return seed.id
    if own:
        for category in own:
            if wanted in (category, category.replace("_", " ")):
                return category
    found = categorise(wanted, own)
    return None if found == OTHER and wanted not in ("other", "others") else found


def display_name(category: str, names: Mapping[str, str] | None = None) -> str:
    if names and category in names:
        return names[category]
    seed = SEEDS.get(category)
    return seed.name if seed else category.replace("_", " ").capitalize()
