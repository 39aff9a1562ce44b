"""Who may do what with a list: the one table every list operation consults.

A list has one owner and any number of collaborators, each of whom accepted an invitation.
Collaborators take part in the items — add, change, tick off, remove, clear the ticked
ones — but the list itself (its name, sharing, its existence) is the owner's. A user with
no accepted role is a stranger and gets 404, as if the list did not exist.
"""

from __future__ import annotations

from enum import StrEnum

from muninn_shared.problems import ProblemError

from muninn_scheduler.lists.models import Role


class Operation(StrEnum):
    READ = "read"
    """The list, its items and its members."""
    EDIT_ITEMS = "edit_items"
    """Add, change, tick off, remove items; clear the ticked ones."""
    RENAME = "rename"
    DELETE_LIST = "delete_list"
    INVITE = "invite"
    REMOVE_MEMBER = "remove_member"
    LEAVE = "leave"


_BOTH = frozenset({Role.OWNER, Role.COLLABORATOR})
_OWNER = frozenset({Role.OWNER})

PERMISSIONS: dict[Operation, frozenset[Role]] = {
    Operation.READ: _BOTH,
    Operation.EDIT_ITEMS: _BOTH,
    Operation.RENAME: _OWNER,
    Operation.DELETE_LIST: _OWNER,
    Operation.INVITE: _OWNER,
    Operation.REMOVE_MEMBER: _OWNER,
    # The owner cannot leave their own list: they delete it or it stays theirs.
    Operation.LEAVE: frozenset({Role.COLLABORATOR}),
}


def require(role: Role, operation: Operation) -> None:
    if role not in PERMISSIONS[operation]:
        raise ProblemError(
            403,
            f"As a {role.value} you may not {operation.value.replace('_', ' ')} on this list.",
            code="forbidden-role",
        )
