"""Expenses over real MongoDB and Kafka: the API (exact amounts, filters, pages, summaries,
categories), and from conversation (recorded and confirmed with undo, questions answered
from the records)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from bson.decimal128 import Decimal128
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.profiles.store import ProfileStore
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic

from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.scheduler.harness import (
    LisbonUser,
    alice_and_bob,
    assert_all_refused,
    assert_not_found,
    eventually,
    listed,
    proactive_about,
    say,
)


async def spend(client: httpx.AsyncClient, me: dict[str, str], **body: Any) -> dict[str, Any]:
    created = await client.post("/v1/expenses", json=body, headers=me)
    assert created.status_code == 201, created.text
    expense: dict[str, Any] = created.json()
    return expense


async def test_an_expense_keeps_its_exact_amount_in_its_own_currency(lisbon: LisbonUser) -> None:
    client, app, _, me = lisbon
    expense = await spend(
        client, me, description="Groceries at Lidl", amount="45.5", currency="eur", merchant="Lidl"
    )
    assert (expense["amount"], expense["currency"]) == ("45.50", "EUR")
    assert expense["category"] == "groceries", "from the description's keywords"
    assert expense["date"] == "2026-06-10", "today in Lisbon"
    assert expense["timezone"] == "Europe/Lisbon"
    assert expense["source"]["kind"] == "api"
    stored = await app.state.runtime.db["expenses"].find_one({"_id": expense["id"]})
    assert stored["amount"] == Decimal128("45.50"), "Decimal128 in MongoDB, never a double"

    yen = await spend(client, me, description="Ramen lunch", amount="1200", currency="JPY")
    assert (yen["amount"], yen["category"]) == ("1200", "eating_out")
    changed = await client.patch(
        f"/v1/expenses/{expense['id']}",
        json={"amount": "0.10", "category": "treats", "date": "2026-06-01"},
        headers=me,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["amount"], changed.json()["category"], changed.json()["date"]) == (
        "0.10",
        "treats",
        "2026-06-01",
    )
    await assert_all_refused(
        client,
        "/v1/expenses",
        [
            {"description": "Float", "amount": 45.5, "currency": "EUR"},
            {"description": "Half a yen", "amount": "0.5", "currency": "JPY"},
            {"description": "Cents of cents", "amount": "1.234", "currency": "EUR"},
            {"description": "Not a code", "amount": "3", "currency": "EURO"},
            {"description": "Negative", "amount": "-3", "currency": "EUR"},
            {
                "description": "Bad category",
                "amount": "3",
                "currency": "EUR",
                "category": "Eat Out",
            },
            {"description": "No currency, none by default", "amount": "3"},
        ],
        me,
    )
    assert len(await listed(client, "/v1/expenses", me)) == 2, "nothing refused was stored"


async def test_a_default_currency_in_the_profile_is_used_and_other_users_ids_are_404(
    lisbon: LisbonUser, settings: SchedulerSettings
) -> None:
    client, app, user_id, me = lisbon
    await ProfileStore(app.state.runtime.db).merge(user_id, {"currency": "EUR"})
    expense = await spend(client, me, description="Coffee", amount="3")
    assert (expense["amount"], expense["currency"]) == ("3.00", "EUR")
    _, stranger = alice_and_bob(settings)
    path = f"/v1/expenses/{expense['id']}"
    await assert_not_found(
        client,
        [("GET", path, None), ("PATCH", path, {"amount": "1"}), ("DELETE", path, None)],
        stranger,
    )
    assert (await client.get("/v1/expenses", headers=stranger)).json()["items"] == []
    assert (await client.get(path, headers=me)).status_code == 200, "still there"
    assert (await client.delete(path, headers=me)).status_code == 204
    assert (await client.get(path, headers=me)).status_code == 404


async def test_filters_by_day_range_category_currency_amount_and_text_with_cursor_pages(
    lisbon: LisbonUser,
) -> None:
    client, _, _, me = lisbon
    rows = [
        ("Groceries at Lidl", "45.00", "EUR", "2026-06-01"),
        ("Lunch", "12.00", "EUR", "2026-06-02"),
        ("Taxi", "30.00", "USD", "2026-06-03"),
        ("Dinner", "60.00", "EUR", "2026-05-20"),
        ("Groceries at Aldi", "20.00", "EUR", "2026-06-04"),
    ]
    for description, amount, currency, day in rows:
        await spend(client, me, description=description, amount=amount, currency=currency, date=day)

    async def found(**query: str) -> list[str]:
        response = await client.get("/v1/expenses", params=query, headers=me)
        assert response.status_code == 200, response.text
        return [e["description"] for e in response.json()["items"]]

    assert await found() == [
        "Groceries at Aldi",
        "Taxi",
        "Lunch",
        "Groceries at Lidl",
        "Dinner",
    ], "latest day first"
    assert await found(**{"from": "2026-06-02", "to": "2026-06-03"}) == ["Taxi", "Lunch"]
    assert await found(category="groceries") == ["Groceries at Aldi", "Groceries at Lidl"]
    assert await found(currency="usd") == ["Taxi"]
    assert await found(min_amount="20", max_amount="45") == [
        "Groceries at Aldi",
        "Taxi",
        "Groceries at Lidl",
    ]
    assert await found(q="lidl") == ["Groceries at Lidl"]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/expenses", params=params, headers=me)).json()
        seen += [e["description"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == await found()
    bad = await client.get(
        "/v1/expenses", params={"from": "2026-06-05", "to": "2026-06-01"}, headers=me
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


async def test_summary_per_category_with_the_trend_and_totals_per_currency(
    lisbon: LisbonUser,
) -> None:
    client, _, _, me = lisbon
    for description, amount, currency, day in [
        ("Groceries", "40.00", "EUR", "2026-05-10"),
        ("Lunch", "10.00", "EUR", "2026-05-11"),
        ("Groceries", "45.00", "EUR", "2026-06-02"),
        ("Groceries", "15.50", "EUR", "2026-06-08"),
        ("Taxi", "30.00", "USD", "2026-06-03"),
        ("Cinema", "9.00", "EUR", "2026-04-30"),  # the month before the previous one
    ]:
        await spend(client, me, description=description, amount=amount, currency=currency, date=day)
    response = await client.get("/v1/expenses/summary", params={"period": "month"}, headers=me)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["start"], summary["end"]) == ("2026-06-01", "2026-06-30")
    assert (summary["previous_start"], summary["previous_end"]) == ("2026-05-01", "2026-05-31")
    totals = {t["currency"]: t for t in summary["totals"]}
    assert (totals["EUR"]["amount"], totals["EUR"]["previous_amount"]) == ("60.50", "50.00")
    assert (totals["EUR"]["change"], totals["EUR"]["change_percent"]) == ("10.50", "21.0")
    assert totals["EUR"]["trend"] == "up"
    assert (totals["USD"]["amount"], totals["USD"]["trend"]) == ("30.00", "new"), "never converted"
    rows = {(c["category"], c["currency"]): c for c in summary["categories"]}
    assert rows[("groceries", "EUR")]["amount"] == "60.50"
    assert rows[("groceries", "EUR")]["count"] == 2
    assert rows[("groceries", "EUR")]["previous_amount"] == "40.00"
    assert (rows[("eating_out", "EUR")]["amount"], rows[("eating_out", "EUR")]["trend"]) == (
        "0",
        "down",
    )
    assert rows[("transport", "USD")]["trend"] == "new"
    assert ("entertainment", "EUR") not in rows, "April is outside both months"

    week = (
        await client.get(
            "/v1/expenses/summary", params={"period": "week", "date": "2026-06-03"}, headers=me
        )
    ).json()
    assert (week["start"], week["end"]) == ("2026-06-01", "2026-06-07"), "Monday to Sunday"
    assert {t["currency"]: t["amount"] for t in week["totals"]} == {"EUR": "45.00", "USD": "30.00"}


async def test_your_own_keywords_and_categories_file_expenses_before_the_built_in_ones(
    lisbon: LisbonUser,
) -> None:
    client, _, _, me = lisbon
    put = await client.put(
        "/v1/expenses/categories/treats",
        json={"name": "Treats", "keywords": ["Pastéis", "lidl"]},
        headers=me,
    )
    assert put.status_code == 200, put.text
    assert (put.json()["custom"], put.json()["your_keywords"]) == (True, ["lidl", "pastéis"])
    expense = await spend(client, me, description="Pastéis de nata", amount="4", currency="EUR")
    assert expense["category"] == "treats"
    assert (await spend(client, me, description="Lidl run", amount="4", currency="EUR"))[
        "category"
    ] == "treats", "the user's keyword beats the built-in groceries"
    listed_categories = (await client.get("/v1/expenses/categories", headers=me)).json()
    assert {"groceries", "eating_out", "transport", "other", "treats"} <= {
        c["id"] for c in listed_categories
    }
    assert (await client.delete("/v1/expenses/categories/treats", headers=me)).status_code == 204
    assert (await spend(client, me, description="Lidl run", amount="4", currency="EUR"))[
        "category"
    ] == "groceries"
    assert (await client.delete("/v1/expenses/categories/treats", headers=me)).status_code == 404


async def test_an_expense_said_in_conversation_is_confirmed_and_undone(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, user_id, me = lisbon
    conversation = "conv-" + uuid.uuid4().hex
    clock.set(datetime(2026, 6, 10, 22, 30, tzinfo=UTC))  # 23:30 in Lisbon
    message_id = await say(
        app, user_id, conversation, "I spent 45 euros on groceries at Lidl today", clock.now()
    )
    (expense,) = await eventually(lambda: listed(client, "/v1/expenses", me), "the expense")
    assert (expense["amount"], expense["currency"], expense["category"]) == (
        "45.00",
        "EUR",
        "groceries",
    )
    assert (expense["description"], expense["merchant"]) == ("Groceries at Lidl", "Lidl")
    assert expense["date"] == "2026-06-10", "the day in Lisbon"
    assert expense["source"]["kind"] == "conversation"
    assert expense["source"]["message_id"] == message_id
    (confirmation,) = await proactive_about(infra, user_id, "expense_confirmation", expense["id"])
    assert confirmation["data"]["conversation_id"] == conversation
    assert "€45.00" in confirmation["data"]["text"]
    assert "undo" in confirmation["data"]["text"]

    await say(app, user_id, conversation, "undo", clock.now())

    async def gone() -> bool:
        return (await client.get(f"/v1/expenses/{expense['id']}", headers=me)).status_code == 404

    await eventually(gone, "the undo")
    (undone,) = await proactive_about(infra, user_id, "plan_undone", expense["id"])
    assert "Groceries at Lidl" in undone["data"]["text"]


async def test_spending_questions_are_answered_from_the_records(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, user_id, me = lisbon
    for description, amount, currency, day in [
        ("Dinner at Tony's", "60.00", "EUR", "2025-11-08"),
        ("Lunch", "12.50", "EUR", "2025-11-20"),
        ("Sushi", "25.00", "USD", "2025-11-22"),
        ("Lunch", "10.00", "EUR", "2025-10-02"),
        ("Groceries", "80.00", "EUR", "2025-11-09"),
    ]:
        await spend(client, me, description=description, amount=amount, currency=currency, date=day)
    conversation = "conv-" + uuid.uuid4().hex
    await say(
        app,
        user_id,
        conversation,
        "how much did I spend on eating out in November?",
        clock.now(),
    )
    (answer,) = await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_PROACTIVE.value,
        lambda b: b.get("subject") == user_id and b["data"]["kind"] == "records_answer",
    )
    text = answer["data"]["text"]
    assert "€72.50 and $25.00 on eating out in November 2025 (3 expenses)" in text
    assert "nothing is converted" in text
    assert "In October 2025: €10.00" in text
    assert answer["data"]["conversation_id"] == conversation
    assert len(await listed(client, "/v1/expenses", me)) == 5, "a question records nothing"


async def test_an_amount_without_a_currency_is_asked_about_and_chatter_records_nothing(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, user_id, me = lisbon
    conversation = "conv-" + uuid.uuid4().hex
    for text in (
        "I spent 3 hours on it",
        "the tickets cost 45 euros last year?",
        "I spent 45 on lunch",
    ):
        await say(app, user_id, conversation, text, clock.now())
    (question,) = await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_PROACTIVE.value,
        lambda b: b.get("subject") == user_id and b["data"]["kind"] == "currency_question",
    )
    assert "which currency" in question["data"]["text"]
    await say(app, user_id, conversation, "I spent 45 EUR on lunch", clock.now())
    (only,) = await eventually(lambda: listed(client, "/v1/expenses", me), "the one expense")
    assert (only["amount"], only["currency"], only["description"]) == ("45.00", "EUR", "Lunch")


async def test_erasure_removes_the_expenses_and_export_shows_them_exactly(
    lisbon: LisbonUser,
) -> None:
    client, app, user_id, me = lisbon
    await spend(client, me, description="Groceries", amount="45.10", currency="EUR")
    await client.put("/v1/expenses/categories/treats", json={"keywords": ["cake"]}, headers=me)
    exported = await client.get("/internal/privacy/export", headers=me)
    assert exported.status_code == 200, exported.text
    collections = exported.json()["collections"]
    assert [e["amount"] for e in collections["expenses"]] == ["45.10"], "the exact decimal string"
    assert collections["expense_categories"][0]["keywords"] == {"treats": ["cake"]}

    await app.state.runtime.publish(
        Topic.IDENTITY_USERS.value, erasure_requested(user_id, "scheduler")
    )
    db = app.state.runtime.db

    async def erased() -> bool:
        left = await db["expenses"].count_documents({"user_id": user_id})
        return left + await db["expense_categories"].count_documents({"user_id": user_id}) == 0

    await eventually(erased, "the erasure")
