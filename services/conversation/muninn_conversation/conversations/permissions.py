"""Who may do what in a conversation: the one table every feature consults.

A conversation has one owner and any number of collaborators and viewers, each of whom
accepted an invitation. Shared state (title, pin, archive, settings, tags, participants)
belongs to the owner; collaborators take part in the thread; viewers only read it. A user
with no accepted role is a stranger and gets 404, as if the conversation did not exist.

The README's "Shared conversations" section prints this table; a test drives every cell
through the HTTP API.
"""

from __future__ import annotations

from enum import StrEnum

from muninn_shared.problems import ProblemError

from muninn_conversation.conversations.models import Role


class Operation(StrEnum):
    READ = "read"
    """The conversation, its thread and messages, participants, typing state, advisors,
    summaries; bookmarking or noting one of its messages for yourself."""
    POST = "post"
    REGENERATE = "regenerate"
    STOP_GENERATION = "stop_generation"
    EDIT_OWN_MESSAGE = "edit_own_message"
    EDIT_OTHERS_MESSAGE = "edit_others_message"
    DELETE_OWN_MESSAGE = "delete_own_message"
    """A message you wrote, or a reply generated for your turn."""
    DELETE_OTHERS_MESSAGE = "delete_others_message"
    SET_ACTIVE_BRANCH = "set_active_branch"
    RATE = "rate"
    TYPE = "type"
    """Set your typing indicator."""
    WRITE_ADVISOR_NOTES = "write_advisor_notes"
    SUMMARIZE = "summarize"
    PIN = "pin"
    ARCHIVE = "archive"
    RENAME = "rename"
    CHANGE_SETTINGS = "change_settings"
    """Context, generation settings, project, advisors of the conversation."""
    TAG = "tag"
    DELETE_CONVERSATION = "delete_conversation"
    INVITE = "invite"
    REMOVE_PARTICIPANT = "remove_participant"
    CHANGE_ROLE = "change_role"
    LEAVE = "leave"


_EVERYONE = frozenset({Role.OWNER, Role.COLLABORATOR, Role.VIEWER})
_CONTRIBUTORS = frozenset({Role.OWNER, Role.COLLABORATOR})
_OWNER = frozenset({Role.OWNER})
_GUESTS = frozenset({Role.COLLABORATOR, Role.VIEWER})

PERMISSIONS: dict[Operation, frozenset[Role]] = {
    Operation.READ: _EVERYONE,
    Operation.POST: _CONTRIBUTORS,
    Operation.REGENERATE: _CONTRIBUTORS,
    Operation.STOP_GENERATION: _CONTRIBUTORS,
    Operation.EDIT_OWN_MESSAGE: _CONTRIBUTORS,
    Operation.EDIT_OTHERS_MESSAGE: _OWNER,
    Operation.DELETE_OWN_MESSAGE: _CONTRIBUTORS,
    Operation.DELETE_OTHERS_MESSAGE: _OWNER,
    Operation.SET_ACTIVE_BRANCH: _CONTRIBUTORS,
    Operation.RATE: _CONTRIBUTORS,
    Operation.TYPE: _CONTRIBUTORS,
    Operation.WRITE_ADVISOR_NOTES: _CONTRIBUTORS,
    Operation.SUMMARIZE: _CONTRIBUTORS,
    Operation.PIN: _OWNER,
    Operation.ARCHIVE: _OWNER,
    Operation.RENAME: _OWNER,
    Operation.CHANGE_SETTINGS: _OWNER,
    # Tags organise shared work: whoever takes part in it may file the conversation.
    Operation.TAG: _CONTRIBUTORS,
    Operation.DELETE_CONVERSATION: _OWNER,
    Operation.INVITE: _OWNER,
    Operation.REMOVE_PARTICIPANT: _OWNER,
    Operation.CHANGE_ROLE: _OWNER,
    # The owner cannot leave their own conversation: they delete it or it stays theirs.
    Operation.LEAVE: _GUESTS,
}


def allows(role: Role, operation: Operation) -> bool:
    return role in PERMISSIONS[operation]


def require(role: Role, operation: Operation) -> None:
    if not allows(role, operation):
        raise ProblemError(
            403,
            f"As a {role.value} you may not {operation.value.replace('_', ' ')} in this conversation.",
            code="forbidden-role",
        )
