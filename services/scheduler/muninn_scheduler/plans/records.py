"""From conversation to records: money spent becomes an expense, list requests change a list,
and questions about either are answered from the records themselves — the totals are
computed here, like a tool's result, never estimated by a language model.

Each change is confirmed in the conversation and can be undone ("undo") like a reminder;
the reply names what it did so the user can check it at a glance.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from muninn_shared.events.payloads import MessageEvent
from muninn_shared.money import MINOR_UNITS
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import Document
from pydantic import ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.expenses.categories import display_name
from muninn_scheduler.expenses.models import ExpenseIn, ExpenseSource
from muninn_scheduler.expenses.service import ExpenseService, Spent
from muninn_scheduler.language.expenses import ExpenseDraft, SpendQuestion
from muninn_scheduler.language.extract import RecordsRequest, Understanding
from muninn_scheduler.language.lists import ListAction, ListCommand, item_key
from muninn_scheduler.lists.items import aisle_order
from muninn_scheduler.lists.service import Change, ListService, item_line
from muninn_scheduler.profiles.models import Profile

EXPENSE_CONFIRMED = "expense_confirmation"
LIST_CONFIRMED = "list_confirmation"
ANSWER = "records_answer"
CURRENCY_QUESTION = "currency_question"

EXPENSE = "expense"
LIST = "list"
RECORD_KINDS = frozenset({EXPENSE, LIST})

SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
MAX_SHOWN = 40


@dataclass(frozen=True)
class Undo:
    """What a change made from a message was, so "undo" can take it back."""

    kind: str
    ref_id: str
    title: str
    data: Document | None = None


@dataclass(frozen=True)
class Reply:
    kind: str
    text: str
    reference_id: str | None = None
    undo: Undo | None = None


def money_text(amount: Decimal, currency: str) -> str:
    places = MINOR_UNITS.get(currency, 2)
    number = f"{amount:,.{places}f}"
    sign = SIGNS.get(currency)
    return f"{sign}{number}" if sign else f"{number} {currency}"


def totals_text(spent: Spent) -> str:
    parts = [money_text(a, c) for c, (a, _) in sorted(spent.by_currency.items())]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def day_text(day: date, today: date) -> str:
    if day == today:
        return "today"
    if (today - day).days == 1:
        return "yesterday"
    return f"on {day.strftime('%a %d %b')}" + (f" {day.year}" if day.year != today.year else "")


def _names(lines: Sequence[str]) -> str:
    return lines[0] if len(lines) == 1 else ", ".join(lines[:-1]) + " and " + lines[-1]


class ConversationRecords:
    def __init__(
        self, expenses: ExpenseService, lists: ListService, understanding: Understanding
    ) -> None:
        self._expenses = expenses
        self._lists = lists
        self._understanding = understanding

    async def reply_to(
        self, message: MessageEvent, profile: Profile, session: AsyncClientSession
    ) -> tuple[Reply | None, str]:
        """The reply to a message about money or lists (and the change made), if it is one;
        and which extractor read it."""
        now_local = message.created_at.astimezone(profile.zone()).replace(tzinfo=None)
        request, extractor = await self._understanding.records(
            message.content.strip(), now_local, profile.timezone
        )
        if request is None:
            return None, extractor
        reply = await self._handle(request, message, profile, now_local.date(), extractor, session)
        return reply, extractor

    async def _handle(
        self,
        request: RecordsRequest,
        message: MessageEvent,
        profile: Profile,
        today: date,
        extractor: str,
        session: AsyncClientSession,
    ) -> Reply | None:
        if isinstance(request, ExpenseDraft):
            return await self._expense(request, message, profile, today, extractor, session)
        if isinstance(request, SpendQuestion):
            return await self._question(request, message.user_id, session)
        return await self._list(request, message.user_id, session)

    # -- expenses ------------------------------------------------------------------------------

    async def _expense(
        self,
        draft: ExpenseDraft,
        message: MessageEvent,
        profile: Profile,
        today: date,
        extractor: str,
        session: AsyncClientSession,
    ) -> Reply:
        currency = draft.currency(profile.currency)
        if currency is None:
            return Reply(
                CURRENCY_QUESTION,
                f"I haven't recorded the {draft.amount:f} for “{draft.description}”: which "
                "currency was it in? Say it again with the currency (“45 EUR”, “€45”), or set "
                "a default currency in your preferences.",
            )
        try:
            body = ExpenseIn(
                description=draft.description,
                amount=draft.amount,
                currency=currency,
                date=draft.day,
                merchant=draft.merchant,
            )
        except ValidationError:  # an amount of a trillion or more is a slip, not a purchase
            return Reply(
                ANSWER, f"I couldn't record {draft.amount:f} as an expense: check the amount."
            )
        try:
            expense = await self._expenses.create(
                message.user_id,
                body,
                source=ExpenseSource(
                    kind="conversation",
                    conversation_id=message.conversation_id,
                    message_id=message.message_id,
                    text=message.content[:500],
                    extractor=extractor,
                ),
                session=session,
            )
        except ProblemError as exc:
            return Reply(ANSWER, f"I couldn't record that expense: {exc.detail}")
        names = await self._expenses.category_names(message.user_id, session)
        text = (
            f"Recorded {money_text(expense.amount, expense.currency)} for “{expense.description}” "
            f"{day_text(expense.date, today)} ({display_name(expense.category, names).lower()}). "
            "Reply “undo” to remove it."
        )
        return Reply(
            EXPENSE_CONFIRMED,
            text,
            expense.id,
            Undo(EXPENSE, expense.id, expense.description),
        )

    async def _question(
        self, question: SpendQuestion, user_id: str, session: AsyncClientSession
    ) -> Reply:
        period = question.period
        now, before, category = await self._expenses.totals_for(
            user_id, period, question.topic, session
        )
        if category is not None:
            names = await self._expenses.category_names(user_id, session)
            what = f" on {display_name(category, names).lower()}"
        elif question.topic:
            what = f" on “{question.topic}”"
        else:
            what = ""
        if not now.by_currency:
            text = f"You have no expenses recorded{what} {period.label}."
        else:
            count = now.count
            text = (
                f"You spent {totals_text(now)}{what} {period.label} "
                f"({count} expense{'s' if count != 1 else ''})."
            )
            if len(now.by_currency) > 1:
                text += " Each currency is totalled on its own: nothing is converted."
        if before is not None:
            previous = period.previous()
            if before.by_currency:
                text += f" {previous.label[:1].upper()}{previous.label[1:]}: {totals_text(before)}."
            elif now.by_currency:
                text += f" Nothing was recorded {previous.label}."
        return Reply(ANSWER, text)

    # -- lists ---------------------------------------------------------------------------------

    async def _list(
        self, command: ListCommand, user_id: str, session: AsyncClientSession
    ) -> Reply | None:
        if command.action is ListAction.ADD:
            return await self._add(command, user_id, session)
        if command.action is ListAction.SHOW_ALL:
            return await self._show_all(user_id, session)
        if command.action is ListAction.CHECK:
            return await self._check(command, user_id, session)
        found = await self._lists.find(user_id, command.list_name, session)
        if found is None:
            if command.list_name is None:
                return Reply(ANSWER, "Your shopping list is empty.")
            return Reply(ANSWER, f"You have no list called “{command.list_name}”.")
        if command.action is ListAction.SHOW:
            return await self._show(found, session)
        if command.action is ListAction.REMOVE:
            return await self._remove(command, user_id, found, session)
        return await self._clear(command, user_id, found, session)

    @staticmethod
    def _undoable(kind_text: str, changes: Sequence[Change], back: str) -> Reply:
        first = changes[0]
        return Reply(
            LIST_CONFIRMED,
            f"{kind_text} Reply “undo” to {back}.",
            first.list_id,
            Undo(
                LIST, first.list_id, first.list_name, {"changes": [c.undo_data() for c in changes]}
            ),
        )

    async def _add(self, command: ListCommand, user_id: str, session: AsyncClientSession) -> Reply:
        list_doc, created = await self._lists.find_or_create(user_id, command.list_name, session)
        change = await self._lists.add_drafts(
            user_id, list_doc, command.items, session, list_created=created
        )
        started = (
            f"I started a new list, “{change.list_name}”. " if created and command.list_name else ""
        )
        return self._undoable(
            f"{started}Added to {change.list_name}: {_names(change.lines)}.",
            [change],
            "take them off" if len(change.lines) > 1 else "take it off",
        )

    async def _show(self, list_doc: Document, session: AsyncClientSession) -> Reply:
        items = await self._lists.all_items(list_doc, session)
        open_items = sorted((i for i in items if not i.get("completed")), key=aisle_order)
        done = len(items) - len(open_items)
        ticked = f" ({done} ticked off)" if done else ""
        if not open_items:
            return Reply(
                ANSWER, f"Nothing left to get on {list_doc['name']}{ticked}.", list_doc["_id"]
            )
        lines = "\n".join(f"• {item_line(i)}" for i in open_items[:MAX_SHOWN])
        more = f"\n… and {len(open_items) - MAX_SHOWN} more" if len(open_items) > MAX_SHOWN else ""
        return Reply(ANSWER, f"On {list_doc['name']}{ticked}:\n{lines}{more}", list_doc["_id"])

    async def _show_all(self, user_id: str, session: AsyncClientSession) -> Reply:
        lists = await self._lists.reachable(user_id, session)
        if not lists:
            return Reply(ANSWER, "You have no lists yet: say “add milk to my list” to start one.")
        parts = []
        for doc in lists:
            open_count = len(await self._lists.open_items(doc, session))
            shared = "" if doc["user_id"] == user_id else ", shared with you"
            default = ", default" if doc["user_id"] == user_id and doc.get("is_default") else ""
            parts.append(f"{doc['name']} ({open_count} to get{default}{shared})")
        return Reply(ANSWER, "Your lists: " + "; ".join(parts) + ".")

    async def _check(
        self, command: ListCommand, user_id: str, session: AsyncClientSession
    ) -> Reply | None:
        """Tick off what was got. Only items on a list are ticked: "I got the job" matches
        none, and then nothing is said."""
        if command.list_name is not None:
            named = await self._lists.find(user_id, command.list_name, session)
            candidates = [named] if named is not None else []
        else:
            candidates = await self._lists.reachable(user_id, session)
        if command.everything:
            candidates = candidates[:1]
        chosen: dict[str, tuple[Document, list[Document]]] = {}
        wanted = {item_key(d.name) for d in command.items}
        for list_doc in candidates:
            open_items = await self._lists.open_items(list_doc, session)
            matches = (
                open_items
                if command.everything
                else [i for i in open_items if i.get("key") in wanted]
            )
            if command.everything is False:
                wanted -= {i.get("key") for i in matches}
            if matches:
                chosen[list_doc["_id"]] = (list_doc, matches)
        if not chosen:
            return None
        changes = [
            await self._lists.complete_items(user_id, list_doc, matches, session)
            for list_doc, matches in chosen.values()
        ]
        said = "; ".join(f"{_names(c.lines)} on {c.list_name}" for c in changes)
        return self._undoable(f"Ticked off {said}.", changes, "put them back")

    async def _remove(
        self, command: ListCommand, user_id: str, list_doc: Document, session: AsyncClientSession
    ) -> Reply:
        wanted = {item_key(d.name) for d in command.items}
        items = [
            i for i in await self._lists.all_items(list_doc, session) if i.get("key") in wanted
        ]
        if not items:
            asked = _names([d.name for d in command.items])
            return Reply(ANSWER, f"{asked[:1].upper()}{asked[1:]}: not on {list_doc['name']}.")
        change = await self._lists.remove_items(user_id, list_doc, items, session)
        return self._undoable(
            f"Took {_names(change.lines)} off {change.list_name}.", [change], "put it back"
        )

    async def _clear(
        self, command: ListCommand, user_id: str, list_doc: Document, session: AsyncClientSession
    ) -> Reply:
        items = await self._lists.all_items(list_doc, session)
        if command.completed_only:
            items = [i for i in items if i.get("completed")]
        if not items:
            nothing = "Nothing is ticked off on" if command.completed_only else "Nothing is on"
            return Reply(ANSWER, f"{nothing} {list_doc['name']}.")
        change = await self._lists.remove_items(user_id, list_doc, items, session)
        what = "ticked-off item" if command.completed_only else "item"
        count = len(items)
        return self._undoable(
            f"Cleared {count} {what}{'s' if count != 1 else ''} from {change.list_name}.",
            [change],
            "bring them back" if count != 1 else "bring it back",
        )

    # -- undo ------------------------------------------------------------------------------

    async def undo(self, plan: Document, user_id: str, session: AsyncClientSession) -> str:
        """Take back what a message made; the words that say so."""
        if plan["kind"] == EXPENSE:
            with contextlib.suppress(ProblemError):  # already deleted through the API
                await self._expenses.delete(user_id, plan["ref_id"], session=session)
            return f"Okay, I've removed the expense “{plan['title']}”."
        data: dict[str, Any] = plan.get("undo") or {}
        for change in reversed(data.get("changes") or []):
            await self._lists.undo(user_id, change, session)
        return f"Okay, I've put {plan['title']} back as it was."
