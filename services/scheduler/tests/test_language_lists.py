"""Shopping-list requests as the offline rules read them: add, show, tick off, remove, clear;
quantities and units; which list is meant; and what is no list request at all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from muninn_scheduler.language.expenses import ExpenseDraft
from muninn_scheduler.language.extract import records_by_rules
from muninn_scheduler.language.lists import (
    ItemDraft,
    ListAction,
    item_key,
    parse_list_command,
    quantity_of,
)
from muninn_scheduler.lists.items import item_category, unit_of


def items(text: str) -> list[tuple[str, Decimal, str | None]]:
    command = parse_list_command(text)
    assert command is not None, text
    return [(i.name, i.quantity, i.unit) for i in command.items]


@pytest.mark.parametrize(
    ("text", "list_name", "expected"),
    [
        (
            "Add milk and two dozen eggs to the shopping list",
            None,
            [("milk", 1, None), ("eggs", 24, None)],
        ),
        ("add milk to my list", None, [("milk", 1, None)]),
        ("put 3 kg of potatoes on my list", None, [("potatoes", 3, "kg")]),
        ("add 3kg potatoes to the grocery list", None, [("potatoes", 3, "kg")]),
        (
            "add a couple of apples and half a dozen bagels to my list",
            None,
            [("apples", 2, None), ("bagels", 6, None)],
        ),
        ("add 1.5 l milk to the list", None, [("milk", Decimal("1.5"), "l")]),
        ("add 2 bottles of wine to the party list", "Party", [("wine", 2, "bottle")]),
        ("add eggs x 12 to my list", None, [("eggs", 12, None)]),
        ("add milk to groceries", None, [("milk", 1, None)]),
        ("Could you add oat milk to our shopping list?", None, [("oat milk", 1, None)]),
        (
            "add bread, butter and mac and cheese to the hardware store list please",
            "Hardware store",
            [("bread", 1, None), ("butter", 1, None), ("mac and cheese", 1, None)],
        ),
        ("we're out of coffee", None, [("coffee", 1, None)]),
        (
            "we ran out of toilet paper and eggs",
            None,
            [("toilet paper", 1, None), ("eggs", 1, None)],
        ),
    ],
)
def test_adding_items_with_quantities_and_units(
    text: str, list_name: str | None, expected: list[tuple[str, int | Decimal, str | None]]
) -> None:
    command = parse_list_command(text)
    assert command is not None
    assert command.action is ListAction.ADD
    assert command.list_name == list_name
    assert items(text) == [(n, Decimal(q), u) for n, q, u in expected]


@pytest.mark.parametrize(
    ("text", "action", "list_name"),
    [
        ("what's on my list?", ListAction.SHOW, None),
        ("What's on the shopping list?", ListAction.SHOW, None),
        ("what is on the hardware store list", ListAction.SHOW, "Hardware store"),
        ("show me the grocery list", ListAction.SHOW, None),
        ("what do I need to buy?", ListAction.SHOW, None),
        ("what lists do I have?", ListAction.SHOW_ALL, None),
        ("clear the completed items", ListAction.CLEAR, None),
        ("clear ticked items from my list", ListAction.CLEAR, None),
        ("remove the done ones from the party list", ListAction.CLEAR, "Party"),
    ],
)
def test_showing_and_clearing(text: str, action: ListAction, list_name: str | None) -> None:
    command = parse_list_command(text)
    assert command is not None, text
    assert (command.action, command.list_name) == (action, list_name)
    if action is ListAction.CLEAR:
        assert command.completed_only


def test_clearing_a_whole_list_is_said_so() -> None:
    for text in ("clear my shopping list", "empty the list"):
        command = parse_list_command(text)
        assert command is not None
        assert command.action is ListAction.CLEAR
        assert not command.completed_only


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("got the eggs", ["eggs"]),
        ("I bought milk and bread", ["milk", "bread"]),
        ("tick off the eggs", ["eggs"]),
        ("cross milk off my list", ["milk"]),
        ("picked up the bread at Lidl", ["bread"]),
        ("I got the job!", ["job"]),  # a candidate: only items on a list are ever ticked
    ],
)
def test_ticking_off_names_items_to_look_for(text: str, names: list[str]) -> None:
    command = parse_list_command(text)
    assert command is not None
    assert command.action is ListAction.CHECK
    assert [i.name for i in command.items] == names


def test_got_everything_ticks_the_whole_list() -> None:
    command = parse_list_command("got everything on the list")
    assert command is not None
    assert (command.action, command.everything) == (ListAction.CHECK, True)


def test_removing_names_the_items_and_the_list() -> None:
    command = parse_list_command("take the eggs off the shopping list")
    assert command is not None
    assert command.action is ListAction.REMOVE
    assert [i.name for i in command.items] == ["eggs"]


@pytest.mark.parametrize(
    "text",
    [
        "I have a list of things to do",
        "add this to the agenda",
        "remind me to buy milk tomorrow",
        "the list is long",
        "I need a new shopping bag",
        "add some colour to your life",
    ],
)
def test_what_is_not_a_list_request(text: str) -> None:
    assert parse_list_command(text) is None


def test_money_spent_on_a_purchase_is_an_expense_not_a_tick() -> None:
    request = records_by_rules("I bought a coffee for 3.50€", date(2026, 6, 10))
    assert isinstance(request, ExpenseDraft)


def test_items_merge_by_singular_lower_case_name_without_article() -> None:
    assert item_key("Eggs") == item_key("the egg") == "egg"
    assert item_key("Tomatoes") == "tomato"
    assert item_key("berries") == "berry"
    assert item_key("Oat milk") == "oat milk"
    assert item_key("hummus") == "hummus"
    assert unit_of("Kilos") == "kg"
    assert unit_of("bottles") == "bottle"


def test_quantities() -> None:
    assert quantity_of("two dozen eggs") == ItemDraft("eggs", Decimal(24))
    assert quantity_of("a dozen eggs") == ItemDraft("eggs", Decimal(12))
    assert quantity_of("three cans of tomatoes") == ItemDraft("tomatoes", Decimal(3), "can")
    assert quantity_of("500g flour") == ItemDraft("flour", Decimal(500), "g")
    assert quantity_of("some milk") == ItemDraft("milk")


def test_items_are_filed_by_aisle() -> None:
    assert item_category("milk") == "dairy"
    assert item_category("Eggs") == "dairy"
    assert item_category("tomatoes") == "produce"
    assert item_category("sourdough bread") == "bakery"
    assert item_category("toilet paper") == "household"
    assert item_category("a mystery") == "other"
