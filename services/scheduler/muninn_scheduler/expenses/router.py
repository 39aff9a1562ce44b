"""/v1/expenses: what you spent, in its own currency; filters, summaries and categories."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.owned import add_owned_item_routes
from muninn_shared.money import Amount, CurrencyCode

from muninn_scheduler.deps import Services
from muninn_scheduler.expenses.models import (
    Category,
    CategoryId,
    CategoryRules,
    Expense,
    ExpenseIn,
    ExpensePage,
    ExpensePatch,
    ExpenseSummary,
    SummaryPeriod,
)
from muninn_scheduler.expenses.service import ExpenseFilters, ExpenseService
from muninn_scheduler.schema import Paging

router = APIRouter(prefix="/v1/expenses", tags=["expenses"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Record an expense")
async def create(body: ExpenseIn, principal: CurrentPrincipal, services: Services) -> Expense:
    return await services.expenses.create(principal.user_id, body)


@router.get("", summary="Your expenses, latest day first")
async def list_expenses(
    principal: CurrentPrincipal,
    services: Services,
    paging: Paging,
    from_: Annotated[date | None, Query(alias="from", description="First day (inclusive).")] = None,
    to: Annotated[date | None, Query(description="Last day (inclusive).")] = None,
    category: Annotated[CategoryId | None, Query()] = None,
    currency: Annotated[CurrencyCode | None, Query()] = None,
    min_amount: Annotated[Amount | None, Query(description='e.g. "10.00"')] = None,
    max_amount: Annotated[Amount | None, Query()] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="In description or merchant.")
    ] = None,
) -> ExpensePage:
    filters = ExpenseFilters(
        start=from_,
        end=to,
        category=category,
        currency=currency,
        min_amount=min_amount,
        max_amount=max_amount,
        q=q,
    )
    return await services.expenses.page(principal.user_id, paging, filters)


# Registered before "/{expense_id}" so that "summary" and "categories" are never read as ids.
@router.get(
    "/summary",
    summary="Spending per category for a week or month, with the trend against the one before",
)
async def summary(
    principal: CurrentPrincipal,
    services: Services,
    period: SummaryPeriod = SummaryPeriod.MONTH,
    day: Annotated[
        date | None,
        Query(
            alias="date",
            description="A day in the period (default: today in your time zone); weeks run "
            "Monday to Sunday.",
        ),
    ] = None,
) -> ExpenseSummary:
    return await services.expenses.summary(principal.user_id, period, day)


@router.get("/categories", summary="The categories, with their keywords and yours")
async def categories(principal: CurrentPrincipal, services: Services) -> list[Category]:
    return await services.expenses.categories(principal.user_id)


CategoryPath = Annotated[CategoryId, Path()]


@router.put(
    "/categories/{category}",
    summary="Set your keywords for a category (a new id makes a category of your own)",
)
async def set_category(
    category: CategoryPath, body: CategoryRules, principal: CurrentPrincipal, services: Services
) -> Category:
    return await services.expenses.set_category(principal.user_id, category, body)


@router.delete(
    "/categories/{category}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Drop your keywords for a category (and a category of your own)",
)
async def drop_category(
    category: CategoryPath, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.expenses.drop_category(principal.user_id, category)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _expenses(services: Services) -> ExpenseService:
    return services.expenses


add_owned_item_routes(
    router,
    _expenses,
    id_name="expense_id",
    model=Expense,
    patch_model=ExpensePatch,
    get_summary="One expense",
    patch_summary="Change an expense",
    delete_summary="Delete an expense",
    patch_name="update",
)
