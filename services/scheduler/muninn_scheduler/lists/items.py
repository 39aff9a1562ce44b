"""What kind of thing an item is ("milk" is dairy, "eggs" dairy too, "bread" bakery), so a
list reads in the order of a shop's aisles; and how an item's unit is written."""

from __future__ import annotations

import re
from functools import lru_cache

from muninn_scheduler.language.lists import UNITS

OTHER = "other"

ITEM_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "produce",
        (
            "apple",
            "banana",
            "orange",
            "lemon",
            "lime",
            "grape",
            "berry",
            "strawberry",
            "blueberry",
            "raspberry",
            "pear",
            "peach",
            "plum",
            "melon",
            "watermelon",
            "mango",
            "avocado",
            "tomato",
            "potato",
            "onion",
            "garlic",
            "carrot",
            "lettuce",
            "salad",
            "spinach",
            "kale",
            "cucumber",
            "pepper",
            "courgette",
            "zucchini",
            "broccoli",
            "cauliflower",
            "mushroom",
            "celery",
            "herb",
            "parsley",
            "coriander",
            "basil",
            "ginger",
            "fruit",
            "vegetable",
            "veg",
        ),
    ),
    (
        "dairy",
        (
            "milk",
            "oat milk",
            "cheese",
            "butter",
            "yoghurt",
            "yogurt",
            "cream",
            "egg",
            "margarine",
            "kefir",
        ),
    ),
    (
        "bakery",
        ("bread", "baguette", "roll", "bagel", "croissant", "bun", "tortilla", "wrap", "cake"),
    ),
    (
        "meat_fish",
        (
            "chicken",
            "beef",
            "pork",
            "lamb",
            "mince",
            "sausage",
            "bacon",
            "ham",
            "turkey",
            "fish",
            "salmon",
            "tuna",
            "cod",
            "prawn",
            "shrimp",
            "meat",
        ),
    ),
    (
        "pantry",
        (
            "rice",
            "pasta",
            "spaghetti",
            "flour",
            "sugar",
            "salt",
            "oil",
            "olive oil",
            "vinegar",
            "cereal",
            "oats",
            "muesli",
            "bean",
            "lentil",
            "chickpea",
            "sauce",
            "ketchup",
            "mayonnaise",
            "mustard",
            "honey",
            "jam",
            "peanut butter",
            "spice",
            "stock",
            "soup",
            "noodle",
            "couscous",
            "tinned",
            "canned",
            "nut",
            "biscuit",
            "cookie",
            "crisp",
            "chip",
            "chocolate",
            "snack",
        ),
    ),
    ("frozen", ("frozen", "ice cream", "ice", "peas")),
    (
        "drinks",
        (
            "water",
            "juice",
            "coffee",
            "tea",
            "wine",
            "beer",
            "soda",
            "cola",
            "lemonade",
            "sparkling",
            "gin",
            "whisky",
            "vodka",
        ),
    ),
    (
        "household",
        (
            "toilet paper",
            "toilet roll",
            "kitchen roll",
            "paper towel",
            "detergent",
            "washing up liquid",
            "dish soap",
            "bin bag",
            "sponge",
            "bleach",
            "cleaner",
            "foil",
            "cling film",
            "battery",
            "batteries",
            "light bulb",
            "candle",
        ),
    ),
    (
        "personal_care",
        (
            "shampoo",
            "conditioner",
            "soap",
            "toothpaste",
            "toothbrush",
            "deodorant",
            "razor",
            "tissue",
            "sunscreen",
            "plaster",
        ),
    ),
    ("baby", ("nappy", "nappies", "diaper", "wipes", "baby food", "formula")),
    ("pets", ("dog food", "cat food", "cat litter", "pet food")),
)


AISLES = [category for category, _ in ITEM_CATEGORIES]


def aisle_order(doc: dict[str, object]) -> tuple[int, str]:
    """Where an item comes in a list read out: by aisle, then by name."""
    category = str(doc.get("category") or OTHER)
    place = AISLES.index(category) if category in AISLES else len(AISLES)
    return place, str(doc.get("name", "")).lower()


@lru_cache(maxsize=1024)
def _word(keyword: str) -> re.Pattern[str]:
    # Singular keywords match plurals too ("apples", "berries", "tomatoes").
    stem = keyword[:-1] if keyword.endswith("y") else keyword
    return re.compile(rf"(?<!\w){re.escape(stem)}(?:y|ies|s|es)?(?!\w)")


def item_category(name: str) -> str:
    """The aisle an item belongs to; the longest keyword found wins ("oat milk" over "oat")."""
    lowered = name.lower()
    best: tuple[int, str] | None = None
    for category, keywords in ITEM_CATEGORIES:
        for keyword in keywords:
            if _word(keyword).search(lowered) and (best is None or len(keyword) > best[0]):
                best = (len(keyword), category)
    return OTHER if best is None else best[1]


def unit_of(unit: str | None) -> str | None:
    """A unit as items are merged by it: "Kilos" is "kg", "bottles" is "bottle"."""
    if unit is None:
        return None
    cleaned = unit.strip().lower().rstrip(".")
    return UNITS.get(cleaned, cleaned) or None
