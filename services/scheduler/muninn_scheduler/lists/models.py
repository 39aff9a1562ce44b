"""Lists with items (seed 001, ``GROCERY_ITEMS``): several named lists per user — the
default one is "Groceries" — each item with a name, category, quantity, unit and whether it
is done. A list is shared as conversations are: its owner invites another user as a
collaborator, who takes part once they accept."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, model_validator

MAX_QUANTITY = Decimal(10000)


def _quantity(value: object) -> object:
    """A count or measure; a float is taken through its text so 0.1 stays 0.1."""
    if isinstance(value, float):
        return str(value)
    return value


def _as_number(value: Decimal) -> int | float:
    # Quantities go out as JSON numbers (3, 1.5): they are counts and measures, not money.
    return int(value) if value == value.to_integral_value() else float(value)


Quantity = Annotated[
    Decimal,
    BeforeValidator(_quantity),
    Field(gt=0, le=MAX_QUANTITY, max_digits=9, decimal_places=3),
    PlainSerializer(_as_number, return_type=int | float, when_used="json"),
]
ItemName = Annotated[str, Field(min_length=1, max_length=100)]
Unit = Annotated[str, Field(min_length=1, max_length=20)]
ItemCategory = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class Role(StrEnum):
    OWNER = "owner"
    COLLABORATOR = "collaborator"


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


class ListIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    is_default: bool = Field(
        default=False, description="Where items said without a list go (one list is the default)."
    )


class ListPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    is_default: bool | None = Field(default=None, description="Only true: make this the default.")

    @model_validator(mode="after")
    def _valid(self) -> ListPatch:
        require_change(self)
        refuse_null(self, "name", "is_default")
        if self.is_default is False:
            raise ValueError("make another list the default instead")
        return self


class ShoppingList(BaseModel):
    id: str
    name: str
    owner_id: str
    my_role: Role
    is_default: bool = Field(description="Your default list (always false on a shared one).")
    item_count: int
    open_count: int = Field(description="Items not done yet.")
    member_count: int = Field(description="Collaborators who accepted.")
    created_at: datetime
    updated_at: datetime


class ListPage(CursorPage[ShoppingList]):
    pass


class ItemIn(Strict):
    name: ItemName
    quantity: Quantity = Decimal(1)
    unit: Unit | None = Field(default=None, description="kg, g, l, ml, pack, bottle, … or none.")
    category: ItemCategory | None = Field(
        default=None, description="Default: found from the name (dairy, produce, bakery, …)."
    )


class ItemPatch(Strict):
    name: ItemName | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None
    category: ItemCategory | None = None
    completed: bool | None = None

    @model_validator(mode="after")
    def _valid(self) -> ItemPatch:
        require_change(self)
        refuse_null(self, "name", "quantity", "category", "completed")
        return self


class Item(BaseModel):
    id: str
    list_id: str
    name: str
    category: str
    quantity: Quantity
    unit: str | None = None
    completed: bool
    completed_at: datetime | None = None
    added_by: str | None = Field(default=None, description="Who added it (null once erased).")
    completed_by: str | None = None
    created_at: datetime
    updated_at: datetime


class ItemPage(CursorPage[Item]):
    pass


class Cleared(BaseModel):
    cleared: int = Field(description="How many completed items were removed.")


class Member(BaseModel):
    user_id: str
    role: Role
    status: MemberStatus = MemberStatus.ACTIVE
    invited_by: str | None = None
    invited_at: datetime | None = None
    joined_at: datetime | None = None


class MemberAdd(Strict):
    user_id: str = Field(min_length=1, max_length=64)
    role: Role = Role.COLLABORATOR

    @model_validator(mode="after")
    def _not_owner(self) -> MemberAdd:
        if self.role == Role.OWNER:
            raise ValueError("a list has exactly one owner; invite collaborators")
        return self


class ListInvitation(BaseModel):
    list_id: str
    name: str
    owner_id: str
    role: Role
    invited_by: str
    invited_at: datetime | None = None
