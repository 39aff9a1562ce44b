"""The API's resource groups, generated from the merged OpenAPI document: do not edit.

Regenerate with ``make sdk`` (tools/generate_sdk.py).
"""

from __future__ import annotations

import builtins
import datetime as _dt
from collections.abc import Mapping
from typing import Any, Literal
from typing import cast as _cast

from muninn_client._generated import models as m
from muninn_client._resource import AsyncResource, SyncResource, _segment
from muninn_client._transport import AsyncTransport, SyncTransport
from muninn_client.pagination import AsyncPaginator, Paginator

__all__ = [
    "OPERATIONS",
    "AdminResource",
    "AdvisorBoardResource",
    "AdvisorsResource",
    "AsyncAdminResource",
    "AsyncAdvisorBoardResource",
    "AsyncAdvisorsResource",
    "AsyncAuthResource",
    "AsyncBookmarksResource",
    "AsyncByodResource",
    "AsyncCalendarResource",
    "AsyncChatResource",
    "AsyncContactsResource",
    "AsyncConversationsResource",
    "AsyncDocumentsResource",
    "AsyncEntitiesResource",
    "AsyncExpensesResource",
    "AsyncExperiencesResource",
    "AsyncGroups",
    "AsyncIntegrationsResource",
    "AsyncInteractionsResource",
    "AsyncListsResource",
    "AsyncMailResource",
    "AsyncMeResource",
    "AsyncMemoriesResource",
    "AsyncModelsResource",
    "AsyncNotesResource",
    "AsyncNotificationsResource",
    "AsyncPeopleResource",
    "AsyncProjectsResource",
    "AsyncProvidersResource",
    "AsyncRemindersResource",
    "AsyncSnippetsResource",
    "AsyncTagsResource",
    "AsyncTasksResource",
    "AsyncTeamTemplatesResource",
    "AsyncUsageResource",
    "AuthResource",
    "BookmarksResource",
    "ByodResource",
    "CalendarResource",
    "ChatResource",
    "ContactsResource",
    "ConversationsResource",
    "DocumentsResource",
    "EntitiesResource",
    "ExpensesResource",
    "ExperiencesResource",
    "IntegrationsResource",
    "InteractionsResource",
    "ListsResource",
    "MailResource",
    "MeResource",
    "MemoriesResource",
    "ModelsResource",
    "NotesResource",
    "NotificationsResource",
    "PeopleResource",
    "ProjectsResource",
    "ProvidersResource",
    "RemindersResource",
    "SnippetsResource",
    "SyncGroups",
    "TagsResource",
    "TasksResource",
    "TeamTemplatesResource",
    "UsageResource",
]


class AdminResource(SyncResource):
    """``/v1/admin``"""

    def get_index(self) -> m.IndexState:
        """The embedding model, the collection read and a re-embedding's progress (operators only).

        ``GET /v1/admin/index``
        """
        return _cast(m.IndexState, self._call("GET", "/v1/admin/index", answer=m.IndexState))

    def list_users(
        self,
        *,
        q: str | None = None,
        status: Literal["active", "erasing"] | None = None,
        limit: int | None = None,
    ) -> Paginator[m.AdminUser]:
        """Every account of this instance, newest first (operators only).

        ``GET /v1/admin/users``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/admin/users",
            params={"q": q, "status": status, "limit": limit},
            page=m.AdminUserPage,
        )

    def get_user(self, user_id: str) -> m.AdminUser:
        """One account of this instance (operators only).

        ``GET /v1/admin/users/{user_id}``
        """
        return _cast(
            m.AdminUser,
            self._call("GET", f"/v1/admin/users/{_segment(user_id)}", answer=m.AdminUser),
        )


class AsyncAdminResource(AsyncResource):
    """``/v1/admin``"""

    async def get_index(self) -> m.IndexState:
        """The embedding model, the collection read and a re-embedding's progress (operators only).

        ``GET /v1/admin/index``
        """
        return _cast(m.IndexState, await self._call("GET", "/v1/admin/index", answer=m.IndexState))

    def list_users(
        self,
        *,
        q: str | None = None,
        status: Literal["active", "erasing"] | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.AdminUser]:
        """Every account of this instance, newest first (operators only).

        ``GET /v1/admin/users``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/admin/users",
            params={"q": q, "status": status, "limit": limit},
            page=m.AdminUserPage,
        )

    async def get_user(self, user_id: str) -> m.AdminUser:
        """One account of this instance (operators only).

        ``GET /v1/admin/users/{user_id}``
        """
        return _cast(
            m.AdminUser,
            await self._call("GET", f"/v1/admin/users/{_segment(user_id)}", answer=m.AdminUser),
        )


class AdvisorBoardResource(SyncResource):
    """``/v1/advisor-board``"""

    def get(self) -> m.Board:
        """Your advisory board, in the order you chose them.

        ``GET /v1/advisor-board``
        """
        return _cast(m.Board, self._call("GET", "/v1/advisor-board", answer=m.Board))

    def select_advisor(
        self, advisor_id: str, *, body: m.BoardSelect | None | Mapping[str, Any] | None = None
    ) -> m.BoardEntry:
        """Put an advisor on your board.

        ``PUT /v1/advisor-board/{advisor_id}``
        """
        return _cast(
            m.BoardEntry,
            self._call(
                "PUT", f"/v1/advisor-board/{_segment(advisor_id)}", json=body, answer=m.BoardEntry
            ),
        )

    def deselect_advisor(self, advisor_id: str) -> None:
        """Take an advisor off your board.

        ``DELETE /v1/advisor-board/{advisor_id}``
        """
        self._call("DELETE", f"/v1/advisor-board/{_segment(advisor_id)}")


class AsyncAdvisorBoardResource(AsyncResource):
    """``/v1/advisor-board``"""

    async def get(self) -> m.Board:
        """Your advisory board, in the order you chose them.

        ``GET /v1/advisor-board``
        """
        return _cast(m.Board, await self._call("GET", "/v1/advisor-board", answer=m.Board))

    async def select_advisor(
        self, advisor_id: str, *, body: m.BoardSelect | None | Mapping[str, Any] | None = None
    ) -> m.BoardEntry:
        """Put an advisor on your board.

        ``PUT /v1/advisor-board/{advisor_id}``
        """
        return _cast(
            m.BoardEntry,
            await self._call(
                "PUT", f"/v1/advisor-board/{_segment(advisor_id)}", json=body, answer=m.BoardEntry
            ),
        )

    async def deselect_advisor(self, advisor_id: str) -> None:
        """Take an advisor off your board.

        ``DELETE /v1/advisor-board/{advisor_id}``
        """
        await self._call("DELETE", f"/v1/advisor-board/{_segment(advisor_id)}")


class AdvisorsResource(SyncResource):
    """``/v1/advisors``"""

    def list(
        self,
        *,
        limit: int | None = None,
        category: str | None = None,
        tag: str | None = None,
        featured: bool | None = None,
        q: str | None = None,
        mine: bool | None = None,
    ) -> Paginator[m.Advisor]:
        """The marketplace: built-in, public and your own advisors, newest first.

        ``GET /v1/advisors``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/advisors",
            params={
                "limit": limit,
                "category": category,
                "tag": tag,
                "featured": featured,
                "q": q,
                "mine": mine,
            },
            page=m.AdvisorPage,
        )

    def create(self, body: m.AdvisorCreate | Mapping[str, Any]) -> m.Advisor:
        """Create a custom advisor (private unless is_public).

        ``POST /v1/advisors``
        """
        return _cast(m.Advisor, self._call("POST", "/v1/advisors", json=body, answer=m.Advisor))

    def get(self, advisor_id: str) -> m.Advisor:
        """Get Advisor.

        ``GET /v1/advisors/{advisor_id}``
        """
        return _cast(
            m.Advisor, self._call("GET", f"/v1/advisors/{_segment(advisor_id)}", answer=m.Advisor)
        )

    def delete(self, advisor_id: str) -> None:
        """Delete your advisor, from every board and its notes.

        ``DELETE /v1/advisors/{advisor_id}``
        """
        self._call("DELETE", f"/v1/advisors/{_segment(advisor_id)}")

    def patch(self, advisor_id: str, body: m.AdvisorPatch | Mapping[str, Any]) -> m.Advisor:
        """Change your advisor (persona and role are replaced whole).

        ``PATCH /v1/advisors/{advisor_id}``
        """
        return _cast(
            m.Advisor,
            self._call(
                "PATCH", f"/v1/advisors/{_segment(advisor_id)}", json=body, answer=m.Advisor
            ),
        )


class AsyncAdvisorsResource(AsyncResource):
    """``/v1/advisors``"""

    def list(
        self,
        *,
        limit: int | None = None,
        category: str | None = None,
        tag: str | None = None,
        featured: bool | None = None,
        q: str | None = None,
        mine: bool | None = None,
    ) -> AsyncPaginator[m.Advisor]:
        """The marketplace: built-in, public and your own advisors, newest first.

        ``GET /v1/advisors``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/advisors",
            params={
                "limit": limit,
                "category": category,
                "tag": tag,
                "featured": featured,
                "q": q,
                "mine": mine,
            },
            page=m.AdvisorPage,
        )

    async def create(self, body: m.AdvisorCreate | Mapping[str, Any]) -> m.Advisor:
        """Create a custom advisor (private unless is_public).

        ``POST /v1/advisors``
        """
        return _cast(
            m.Advisor, await self._call("POST", "/v1/advisors", json=body, answer=m.Advisor)
        )

    async def get(self, advisor_id: str) -> m.Advisor:
        """Get Advisor.

        ``GET /v1/advisors/{advisor_id}``
        """
        return _cast(
            m.Advisor,
            await self._call("GET", f"/v1/advisors/{_segment(advisor_id)}", answer=m.Advisor),
        )

    async def delete(self, advisor_id: str) -> None:
        """Delete your advisor, from every board and its notes.

        ``DELETE /v1/advisors/{advisor_id}``
        """
        await self._call("DELETE", f"/v1/advisors/{_segment(advisor_id)}")

    async def patch(self, advisor_id: str, body: m.AdvisorPatch | Mapping[str, Any]) -> m.Advisor:
        """Change your advisor (persona and role are replaced whole).

        ``PATCH /v1/advisors/{advisor_id}``
        """
        return _cast(
            m.Advisor,
            await self._call(
                "PATCH", f"/v1/advisors/{_segment(advisor_id)}", json=body, answer=m.Advisor
            ),
        )


class AuthResource(SyncResource):
    """``/v1/auth``"""

    def login(self, body: m.Credentials | Mapping[str, Any]) -> m.Session:
        """Sign in with email and password.

        ``POST /v1/auth/login``
        """
        return _cast(m.Session, self._call("POST", "/v1/auth/login", json=body, answer=m.Session))

    def logout(self, body: m.LogoutRequest | Mapping[str, Any]) -> None:
        """End the session of a refresh token.

        ``POST /v1/auth/logout``
        """
        self._call("POST", "/v1/auth/logout", json=body)

    def refresh(self, body: m.RefreshRequest | Mapping[str, Any]) -> m.TokenPair:
        """Exchange a refresh token for new tokens (rotation).

        ``POST /v1/auth/refresh``
        """
        return _cast(
            m.TokenPair, self._call("POST", "/v1/auth/refresh", json=body, answer=m.TokenPair)
        )

    def register(self, body: m.Registration | Mapping[str, Any]) -> m.Session:
        """Create an account.

        ``POST /v1/auth/register``
        """
        return _cast(
            m.Session, self._call("POST", "/v1/auth/register", json=body, answer=m.Session)
        )


class AsyncAuthResource(AsyncResource):
    """``/v1/auth``"""

    async def login(self, body: m.Credentials | Mapping[str, Any]) -> m.Session:
        """Sign in with email and password.

        ``POST /v1/auth/login``
        """
        return _cast(
            m.Session, await self._call("POST", "/v1/auth/login", json=body, answer=m.Session)
        )

    async def logout(self, body: m.LogoutRequest | Mapping[str, Any]) -> None:
        """End the session of a refresh token.

        ``POST /v1/auth/logout``
        """
        await self._call("POST", "/v1/auth/logout", json=body)

    async def refresh(self, body: m.RefreshRequest | Mapping[str, Any]) -> m.TokenPair:
        """Exchange a refresh token for new tokens (rotation).

        ``POST /v1/auth/refresh``
        """
        return _cast(
            m.TokenPair, await self._call("POST", "/v1/auth/refresh", json=body, answer=m.TokenPair)
        )

    async def register(self, body: m.Registration | Mapping[str, Any]) -> m.Session:
        """Create an account.

        ``POST /v1/auth/register``
        """
        return _cast(
            m.Session, await self._call("POST", "/v1/auth/register", json=body, answer=m.Session)
        )


class BookmarksResource(SyncResource):
    """``/v1/bookmarks``"""

    def list(
        self, *, limit: int | None = None, conversation_id: str | None = None
    ) -> Paginator[m.Bookmark]:
        """Your bookmarks, newest first.

        ``GET /v1/bookmarks``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/bookmarks",
            params={"limit": limit, "conversation_id": conversation_id},
            page=m.BookmarkPage,
        )

    def create(self, body: m.BookmarkCreate | Mapping[str, Any]) -> m.Bookmark:
        """Bookmark a message you can read (200 with the existing bookmark if already marked).

        ``POST /v1/bookmarks``
        """
        return _cast(m.Bookmark, self._call("POST", "/v1/bookmarks", json=body, answer=m.Bookmark))

    def get(self, bookmark_id: str) -> m.Bookmark:
        """Get.

        ``GET /v1/bookmarks/{bookmark_id}``
        """
        return _cast(
            m.Bookmark,
            self._call("GET", f"/v1/bookmarks/{_segment(bookmark_id)}", answer=m.Bookmark),
        )

    def delete(self, bookmark_id: str) -> None:
        """Delete.

        ``DELETE /v1/bookmarks/{bookmark_id}``
        """
        self._call("DELETE", f"/v1/bookmarks/{_segment(bookmark_id)}")

    def patch(self, bookmark_id: str, body: m.BookmarkPatch | Mapping[str, Any]) -> m.Bookmark:
        """Change the bookmark's note.

        ``PATCH /v1/bookmarks/{bookmark_id}``
        """
        return _cast(
            m.Bookmark,
            self._call(
                "PATCH", f"/v1/bookmarks/{_segment(bookmark_id)}", json=body, answer=m.Bookmark
            ),
        )


class AsyncBookmarksResource(AsyncResource):
    """``/v1/bookmarks``"""

    def list(
        self, *, limit: int | None = None, conversation_id: str | None = None
    ) -> AsyncPaginator[m.Bookmark]:
        """Your bookmarks, newest first.

        ``GET /v1/bookmarks``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/bookmarks",
            params={"limit": limit, "conversation_id": conversation_id},
            page=m.BookmarkPage,
        )

    async def create(self, body: m.BookmarkCreate | Mapping[str, Any]) -> m.Bookmark:
        """Bookmark a message you can read (200 with the existing bookmark if already marked).

        ``POST /v1/bookmarks``
        """
        return _cast(
            m.Bookmark, await self._call("POST", "/v1/bookmarks", json=body, answer=m.Bookmark)
        )

    async def get(self, bookmark_id: str) -> m.Bookmark:
        """Get.

        ``GET /v1/bookmarks/{bookmark_id}``
        """
        return _cast(
            m.Bookmark,
            await self._call("GET", f"/v1/bookmarks/{_segment(bookmark_id)}", answer=m.Bookmark),
        )

    async def delete(self, bookmark_id: str) -> None:
        """Delete.

        ``DELETE /v1/bookmarks/{bookmark_id}``
        """
        await self._call("DELETE", f"/v1/bookmarks/{_segment(bookmark_id)}")

    async def patch(
        self, bookmark_id: str, body: m.BookmarkPatch | Mapping[str, Any]
    ) -> m.Bookmark:
        """Change the bookmark's note.

        ``PATCH /v1/bookmarks/{bookmark_id}``
        """
        return _cast(
            m.Bookmark,
            await self._call(
                "PATCH", f"/v1/bookmarks/{_segment(bookmark_id)}", json=body, answer=m.Bookmark
            ),
        )


class ByodResource(SyncResource):
    """``/v1/byod``"""

    def register(self, body: m.StoreRegistration | Mapping[str, Any]) -> m.Store:
        """Register your own MongoDB (and Qdrant): checked first, credentials sealed.

        ``POST /v1/byod/stores``
        """
        return _cast(m.Store, self._call("POST", "/v1/byod/stores", json=body, answer=m.Store))

    def current(self) -> m.Store:
        """Your data store: status, schema version, health; no secrets.

        ``GET /v1/byod/stores/current``
        """
        return _cast(m.Store, self._call("GET", "/v1/byod/stores/current", answer=m.Store))

    def forget(self) -> None:
        """Forget a store nothing was copied to yet, and destroy its credentials.

        ``DELETE /v1/byod/stores/current``
        """
        self._call("DELETE", "/v1/byod/stores/current")

    def disconnect(self) -> m.MoveStatus:
        """Move your data back to Muninn's databases, then forget your store's credentials.

        ``POST /v1/byod/stores/current/disconnect``
        """
        return _cast(
            m.MoveStatus,
            self._call("POST", "/v1/byod/stores/current/disconnect", answer=m.MoveStatus),
        )

    def preview(self) -> m.MigrationPreview:
        """What migrating your store to this Muninn's schema would change (a dry run); its progress while it runs is on the store.

        ``GET /v1/byod/stores/current/migration``
        """
        return _cast(
            m.MigrationPreview,
            self._call("GET", "/v1/byod/stores/current/migration", answer=m.MigrationPreview),
        )

    def current_move(self) -> m.MoveStatus:
        """The move of your data to (or from) your database: phase, progress, checks.

        ``GET /v1/byod/stores/current/move``
        """
        return _cast(
            m.MoveStatus, self._call("GET", "/v1/byod/stores/current/move", answer=m.MoveStatus)
        )


class AsyncByodResource(AsyncResource):
    """``/v1/byod``"""

    async def register(self, body: m.StoreRegistration | Mapping[str, Any]) -> m.Store:
        """Register your own MongoDB (and Qdrant): checked first, credentials sealed.

        ``POST /v1/byod/stores``
        """
        return _cast(
            m.Store, await self._call("POST", "/v1/byod/stores", json=body, answer=m.Store)
        )

    async def current(self) -> m.Store:
        """Your data store: status, schema version, health; no secrets.

        ``GET /v1/byod/stores/current``
        """
        return _cast(m.Store, await self._call("GET", "/v1/byod/stores/current", answer=m.Store))

    async def forget(self) -> None:
        """Forget a store nothing was copied to yet, and destroy its credentials.

        ``DELETE /v1/byod/stores/current``
        """
        await self._call("DELETE", "/v1/byod/stores/current")

    async def disconnect(self) -> m.MoveStatus:
        """Move your data back to Muninn's databases, then forget your store's credentials.

        ``POST /v1/byod/stores/current/disconnect``
        """
        return _cast(
            m.MoveStatus,
            await self._call("POST", "/v1/byod/stores/current/disconnect", answer=m.MoveStatus),
        )

    async def preview(self) -> m.MigrationPreview:
        """What migrating your store to this Muninn's schema would change (a dry run); its progress while it runs is on the store.

        ``GET /v1/byod/stores/current/migration``
        """
        return _cast(
            m.MigrationPreview,
            await self._call("GET", "/v1/byod/stores/current/migration", answer=m.MigrationPreview),
        )

    async def current_move(self) -> m.MoveStatus:
        """The move of your data to (or from) your database: phase, progress, checks.

        ``GET /v1/byod/stores/current/move``
        """
        return _cast(
            m.MoveStatus,
            await self._call("GET", "/v1/byod/stores/current/move", answer=m.MoveStatus),
        )


class CalendarResource(SyncResource):
    """``/v1/calendar``"""

    def list_events(
        self,
        *,
        start: _dt.datetime,
        end: _dt.datetime,
        connection_id: str | None = None,
        calendar: str | None = None,
        limit: int | None = None,
    ) -> m.OccurrenceList:
        """Your events in a time range, recurring ones expanded, by start.

        ``GET /v1/calendar/events``
        """
        return _cast(
            m.OccurrenceList,
            self._call(
                "GET",
                "/v1/calendar/events",
                params={
                    "start": start,
                    "end": end,
                    "connection_id": connection_id,
                    "calendar": calendar,
                    "limit": limit,
                },
                answer=m.OccurrenceList,
            ),
        )

    def create_event(self, body: m.EventCreate | Mapping[str, Any]) -> m.EventDetail:
        """Create an event in one of your calendars at its source.

        ``POST /v1/calendar/events``
        """
        return _cast(
            m.EventDetail,
            self._call("POST", "/v1/calendar/events", json=body, answer=m.EventDetail),
        )

    def get_event(self, event_id: str) -> m.EventDetail:
        """One event (a series master) with attendees and alarms.

        ``GET /v1/calendar/events/{event_id}``
        """
        return _cast(
            m.EventDetail,
            self._call("GET", f"/v1/calendar/events/{_segment(event_id)}", answer=m.EventDetail),
        )

    def delete_event(self, event_id: str) -> None:
        """Delete an event at its source (refused if it changed there).

        ``DELETE /v1/calendar/events/{event_id}``
        """
        self._call("DELETE", f"/v1/calendar/events/{_segment(event_id)}")

    def update_event(self, event_id: str, body: m.EventPatch | Mapping[str, Any]) -> m.EventDetail:
        """Change an event at its source (refused if it changed there).

        ``PATCH /v1/calendar/events/{event_id}``
        """
        return _cast(
            m.EventDetail,
            self._call(
                "PATCH",
                f"/v1/calendar/events/{_segment(event_id)}",
                json=body,
                answer=m.EventDetail,
            ),
        )


class AsyncCalendarResource(AsyncResource):
    """``/v1/calendar``"""

    async def list_events(
        self,
        *,
        start: _dt.datetime,
        end: _dt.datetime,
        connection_id: str | None = None,
        calendar: str | None = None,
        limit: int | None = None,
    ) -> m.OccurrenceList:
        """Your events in a time range, recurring ones expanded, by start.

        ``GET /v1/calendar/events``
        """
        return _cast(
            m.OccurrenceList,
            await self._call(
                "GET",
                "/v1/calendar/events",
                params={
                    "start": start,
                    "end": end,
                    "connection_id": connection_id,
                    "calendar": calendar,
                    "limit": limit,
                },
                answer=m.OccurrenceList,
            ),
        )

    async def create_event(self, body: m.EventCreate | Mapping[str, Any]) -> m.EventDetail:
        """Create an event in one of your calendars at its source.

        ``POST /v1/calendar/events``
        """
        return _cast(
            m.EventDetail,
            await self._call("POST", "/v1/calendar/events", json=body, answer=m.EventDetail),
        )

    async def get_event(self, event_id: str) -> m.EventDetail:
        """One event (a series master) with attendees and alarms.

        ``GET /v1/calendar/events/{event_id}``
        """
        return _cast(
            m.EventDetail,
            await self._call(
                "GET", f"/v1/calendar/events/{_segment(event_id)}", answer=m.EventDetail
            ),
        )

    async def delete_event(self, event_id: str) -> None:
        """Delete an event at its source (refused if it changed there).

        ``DELETE /v1/calendar/events/{event_id}``
        """
        await self._call("DELETE", f"/v1/calendar/events/{_segment(event_id)}")

    async def update_event(
        self, event_id: str, body: m.EventPatch | Mapping[str, Any]
    ) -> m.EventDetail:
        """Change an event at its source (refused if it changed there).

        ``PATCH /v1/calendar/events/{event_id}``
        """
        return _cast(
            m.EventDetail,
            await self._call(
                "PATCH",
                f"/v1/calendar/events/{_segment(event_id)}",
                json=body,
                answer=m.EventDetail,
            ),
        )


class ChatResource(SyncResource):
    """``/v1/chat``"""

    def completions(
        self,
        body: m.ChatCompletionRequest | Mapping[str, Any],
        *,
        x_muninn_conversation_id: str | None = None,
    ) -> m.ChatCompletion:
        """OpenAI-compatible chat completion, with memory; stored in a conversation.

        ``POST /v1/chat/completions``
        """
        return _cast(
            m.ChatCompletion,
            self._call(
                "POST",
                "/v1/chat/completions",
                json=body,
                headers={"x-muninn-conversation-id": x_muninn_conversation_id},
                answer=m.ChatCompletion,
            ),
        )


class AsyncChatResource(AsyncResource):
    """``/v1/chat``"""

    async def completions(
        self,
        body: m.ChatCompletionRequest | Mapping[str, Any],
        *,
        x_muninn_conversation_id: str | None = None,
    ) -> m.ChatCompletion:
        """OpenAI-compatible chat completion, with memory; stored in a conversation.

        ``POST /v1/chat/completions``
        """
        return _cast(
            m.ChatCompletion,
            await self._call(
                "POST",
                "/v1/chat/completions",
                json=body,
                headers={"x-muninn-conversation-id": x_muninn_conversation_id},
                answer=m.ChatCompletion,
            ),
        )


class ContactsResource(SyncResource):
    """``/v1/contacts``"""

    def list(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        tag: str | None = None,
        archived: bool | None = None,
        company: str | None = None,
        min_strength: float | None = None,
        max_strength: float | None = None,
        going_cold: bool | None = None,
        sort: Literal["recent", "name", "strength", "last_interaction"] | None = None,
    ) -> Paginator[m.ContactRecord]:
        """Your contacts, newest first unless sorted otherwise.

        ``GET /v1/contacts``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/contacts",
            params={
                "limit": limit,
                "q": q,
                "tag": tag,
                "archived": archived,
                "company": company,
                "min_strength": min_strength,
                "max_strength": max_strength,
                "going_cold": going_cold,
                "sort": sort,
            },
            page=m.ContactPage,
        )

    def create(self, body: m.ContactCreate | Mapping[str, Any]) -> m.ContactRecord:
        """Add a contact by hand.

        ``POST /v1/contacts``
        """
        return _cast(
            m.ContactRecord, self._call("POST", "/v1/contacts", json=body, answer=m.ContactRecord)
        )

    def merge(self, body: m.ContactMerge | Mapping[str, Any]) -> m.ContactRecord:
        """Merge contacts that are one person into one of them.

        ``POST /v1/contacts/merge``
        """
        return _cast(
            m.ContactRecord,
            self._call("POST", "/v1/contacts/merge", json=body, answer=m.ContactRecord),
        )

    def get(
        self,
        contact_id: str,
        *,
        include: builtins.list[Literal["interactions", "interests", "relationships", "memories"]]
        | None = None,
    ) -> m.ContactProfile | m.ContactRecord:
        """One contact, with its interactions, interests, links….

        ``GET /v1/contacts/{contact_id}``
        """
        return _cast(
            m.ContactProfile | m.ContactRecord,
            self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}",
                params={"include": include},
                answer=m.ContactProfile | m.ContactRecord,
            ),
        )

    def delete(self, contact_id: str) -> None:
        """Delete a contact made by hand (a synced one is archived instead: 409).

        ``DELETE /v1/contacts/{contact_id}``
        """
        self._call("DELETE", f"/v1/contacts/{_segment(contact_id)}")

    def update(self, contact_id: str, body: m.ContactPatch | Mapping[str, Any]) -> m.ContactRecord:
        """Edit a contact; what you set stays over what its sources say.

        ``PATCH /v1/contacts/{contact_id}``
        """
        return _cast(
            m.ContactRecord,
            self._call(
                "PATCH", f"/v1/contacts/{_segment(contact_id)}", json=body, answer=m.ContactRecord
            ),
        )

    def archive(self, contact_id: str) -> m.ContactRecord:
        """Archive a contact (hidden from lists and nudges).

        ``POST /v1/contacts/{contact_id}/archive``
        """
        return _cast(
            m.ContactRecord,
            self._call(
                "POST", f"/v1/contacts/{_segment(contact_id)}/archive", answer=m.ContactRecord
            ),
        )

    def briefing(self, contact_id: str, *, event_id: str | None = None) -> m.BriefingOut:
        """A briefing about a contact, written now from the latest facts (not stored).

        ``GET /v1/contacts/{contact_id}/briefing``
        """
        return _cast(
            m.BriefingOut,
            self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}/briefing",
                params={"event_id": event_id},
                answer=m.BriefingOut,
            ),
        )

    def list_interactions(
        self,
        contact_id: str,
        *,
        kind: Literal["email", "meeting", "call", "message", "manual"] | None = None,
        limit: int | None = None,
    ) -> Paginator[m.InteractionRecord]:
        """A contact's interactions, newest first.

        ``GET /v1/contacts/{contact_id}/interactions``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/contacts/{_segment(contact_id)}/interactions",
            params={"kind": kind, "limit": limit},
            page=m.InteractionPage,
        )

    def log_interaction(
        self, contact_id: str, body: m.InteractionIn | Mapping[str, Any]
    ) -> m.InteractionRecord:
        """Log an interaction by hand (a call, a coffee, a message elsewhere).

        ``POST /v1/contacts/{contact_id}/interactions``
        """
        return _cast(
            m.InteractionRecord,
            self._call(
                "POST",
                f"/v1/contacts/{_segment(contact_id)}/interactions",
                json=body,
                answer=m.InteractionRecord,
            ),
        )

    def list_interests(self, contact_id: str, *, limit: int | None = None) -> m.InterestList:
        """A contact's interests, by confidence decayed to now, strongest first.

        ``GET /v1/contacts/{contact_id}/interests``
        """
        return _cast(
            m.InterestList,
            self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}/interests",
                params={"limit": limit},
                answer=m.InterestList,
            ),
        )

    def add_interest(
        self, contact_id: str, body: m.InterestCreate | Mapping[str, Any]
    ) -> m.ContactInterest:
        """Say a contact cares about something (kept at full confidence, never fading).

        ``POST /v1/contacts/{contact_id}/interests``
        """
        return _cast(
            m.ContactInterest,
            self._call(
                "POST",
                f"/v1/contacts/{_segment(contact_id)}/interests",
                json=body,
                answer=m.ContactInterest,
            ),
        )

    def delete_interest(self, contact_id: str, interest_id: str) -> None:
        """Forget an interest (an inferred one comes back if mentioned again).

        ``DELETE /v1/contacts/{contact_id}/interests/{interest_id}``
        """
        self._call(
            "DELETE", f"/v1/contacts/{_segment(contact_id)}/interests/{_segment(interest_id)}"
        )

    def memories(
        self,
        contact_id: str,
        *,
        kind: Literal["summary", "insight", "briefing", "talking_point"] | None = None,
        limit: int | None = None,
    ) -> Paginator[m.ContactMemoryOut]:
        """Current contact memories (summary, briefing, talking points), newest first.

        ``GET /v1/contacts/{contact_id}/memories``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/contacts/{_segment(contact_id)}/memories",
            params={"kind": kind, "limit": limit},
            page=m.ContactMemoryPage,
        )

    def relationships(self, contact_id: str, *, limit: int | None = None) -> m.RelationshipList:
        """Whom a contact knows, strongest link first.

        ``GET /v1/contacts/{contact_id}/relationships``
        """
        return _cast(
            m.RelationshipList,
            self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}/relationships",
                params={"limit": limit},
                answer=m.RelationshipList,
            ),
        )

    def set_relationship(
        self, contact_id: str, other_id: str, body: m.LinkTypeBody | Mapping[str, Any]
    ) -> m.Relationship:
        """Say what two contacts are to each other (kept over what is inferred).

        ``PUT /v1/contacts/{contact_id}/relationships/{other_id}``
        """
        return _cast(
            m.Relationship,
            self._call(
                "PUT",
                f"/v1/contacts/{_segment(contact_id)}/relationships/{_segment(other_id)}",
                json=body,
                answer=m.Relationship,
            ),
        )

    def delete_relationship(self, contact_id: str, other_id: str) -> None:
        """Undo a type you set: a link only you made goes, an inferred one goes back to its inferred type; an inferred link itself cannot be deleted (409).

        ``DELETE /v1/contacts/{contact_id}/relationships/{other_id}``
        """
        self._call(
            "DELETE", f"/v1/contacts/{_segment(contact_id)}/relationships/{_segment(other_id)}"
        )

    def unarchive(self, contact_id: str) -> m.ContactRecord:
        """Bring an archived contact back.

        ``POST /v1/contacts/{contact_id}/unarchive``
        """
        return _cast(
            m.ContactRecord,
            self._call(
                "POST", f"/v1/contacts/{_segment(contact_id)}/unarchive", answer=m.ContactRecord
            ),
        )


class AsyncContactsResource(AsyncResource):
    """``/v1/contacts``"""

    def list(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        tag: str | None = None,
        archived: bool | None = None,
        company: str | None = None,
        min_strength: float | None = None,
        max_strength: float | None = None,
        going_cold: bool | None = None,
        sort: Literal["recent", "name", "strength", "last_interaction"] | None = None,
    ) -> AsyncPaginator[m.ContactRecord]:
        """Your contacts, newest first unless sorted otherwise.

        ``GET /v1/contacts``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/contacts",
            params={
                "limit": limit,
                "q": q,
                "tag": tag,
                "archived": archived,
                "company": company,
                "min_strength": min_strength,
                "max_strength": max_strength,
                "going_cold": going_cold,
                "sort": sort,
            },
            page=m.ContactPage,
        )

    async def create(self, body: m.ContactCreate | Mapping[str, Any]) -> m.ContactRecord:
        """Add a contact by hand.

        ``POST /v1/contacts``
        """
        return _cast(
            m.ContactRecord,
            await self._call("POST", "/v1/contacts", json=body, answer=m.ContactRecord),
        )

    async def merge(self, body: m.ContactMerge | Mapping[str, Any]) -> m.ContactRecord:
        """Merge contacts that are one person into one of them.

        ``POST /v1/contacts/merge``
        """
        return _cast(
            m.ContactRecord,
            await self._call("POST", "/v1/contacts/merge", json=body, answer=m.ContactRecord),
        )

    async def get(
        self,
        contact_id: str,
        *,
        include: builtins.list[Literal["interactions", "interests", "relationships", "memories"]]
        | None = None,
    ) -> m.ContactProfile | m.ContactRecord:
        """One contact, with its interactions, interests, links….

        ``GET /v1/contacts/{contact_id}``
        """
        return _cast(
            m.ContactProfile | m.ContactRecord,
            await self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}",
                params={"include": include},
                answer=m.ContactProfile | m.ContactRecord,
            ),
        )

    async def delete(self, contact_id: str) -> None:
        """Delete a contact made by hand (a synced one is archived instead: 409).

        ``DELETE /v1/contacts/{contact_id}``
        """
        await self._call("DELETE", f"/v1/contacts/{_segment(contact_id)}")

    async def update(
        self, contact_id: str, body: m.ContactPatch | Mapping[str, Any]
    ) -> m.ContactRecord:
        """Edit a contact; what you set stays over what its sources say.

        ``PATCH /v1/contacts/{contact_id}``
        """
        return _cast(
            m.ContactRecord,
            await self._call(
                "PATCH", f"/v1/contacts/{_segment(contact_id)}", json=body, answer=m.ContactRecord
            ),
        )

    async def archive(self, contact_id: str) -> m.ContactRecord:
        """Archive a contact (hidden from lists and nudges).

        ``POST /v1/contacts/{contact_id}/archive``
        """
        return _cast(
            m.ContactRecord,
            await self._call(
                "POST", f"/v1/contacts/{_segment(contact_id)}/archive", answer=m.ContactRecord
            ),
        )

    async def briefing(self, contact_id: str, *, event_id: str | None = None) -> m.BriefingOut:
        """A briefing about a contact, written now from the latest facts (not stored).

        ``GET /v1/contacts/{contact_id}/briefing``
        """
        return _cast(
            m.BriefingOut,
            await self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}/briefing",
                params={"event_id": event_id},
                answer=m.BriefingOut,
            ),
        )

    def list_interactions(
        self,
        contact_id: str,
        *,
        kind: Literal["email", "meeting", "call", "message", "manual"] | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.InteractionRecord]:
        """A contact's interactions, newest first.

        ``GET /v1/contacts/{contact_id}/interactions``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/contacts/{_segment(contact_id)}/interactions",
            params={"kind": kind, "limit": limit},
            page=m.InteractionPage,
        )

    async def log_interaction(
        self, contact_id: str, body: m.InteractionIn | Mapping[str, Any]
    ) -> m.InteractionRecord:
        """Log an interaction by hand (a call, a coffee, a message elsewhere).

        ``POST /v1/contacts/{contact_id}/interactions``
        """
        return _cast(
            m.InteractionRecord,
            await self._call(
                "POST",
                f"/v1/contacts/{_segment(contact_id)}/interactions",
                json=body,
                answer=m.InteractionRecord,
            ),
        )

    async def list_interests(self, contact_id: str, *, limit: int | None = None) -> m.InterestList:
        """A contact's interests, by confidence decayed to now, strongest first.

        ``GET /v1/contacts/{contact_id}/interests``
        """
        return _cast(
            m.InterestList,
            await self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}/interests",
                params={"limit": limit},
                answer=m.InterestList,
            ),
        )

    async def add_interest(
        self, contact_id: str, body: m.InterestCreate | Mapping[str, Any]
    ) -> m.ContactInterest:
        """Say a contact cares about something (kept at full confidence, never fading).

        ``POST /v1/contacts/{contact_id}/interests``
        """
        return _cast(
            m.ContactInterest,
            await self._call(
                "POST",
                f"/v1/contacts/{_segment(contact_id)}/interests",
                json=body,
                answer=m.ContactInterest,
            ),
        )

    async def delete_interest(self, contact_id: str, interest_id: str) -> None:
        """Forget an interest (an inferred one comes back if mentioned again).

        ``DELETE /v1/contacts/{contact_id}/interests/{interest_id}``
        """
        await self._call(
            "DELETE", f"/v1/contacts/{_segment(contact_id)}/interests/{_segment(interest_id)}"
        )

    def memories(
        self,
        contact_id: str,
        *,
        kind: Literal["summary", "insight", "briefing", "talking_point"] | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.ContactMemoryOut]:
        """Current contact memories (summary, briefing, talking points), newest first.

        ``GET /v1/contacts/{contact_id}/memories``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/contacts/{_segment(contact_id)}/memories",
            params={"kind": kind, "limit": limit},
            page=m.ContactMemoryPage,
        )

    async def relationships(
        self, contact_id: str, *, limit: int | None = None
    ) -> m.RelationshipList:
        """Whom a contact knows, strongest link first.

        ``GET /v1/contacts/{contact_id}/relationships``
        """
        return _cast(
            m.RelationshipList,
            await self._call(
                "GET",
                f"/v1/contacts/{_segment(contact_id)}/relationships",
                params={"limit": limit},
                answer=m.RelationshipList,
            ),
        )

    async def set_relationship(
        self, contact_id: str, other_id: str, body: m.LinkTypeBody | Mapping[str, Any]
    ) -> m.Relationship:
        """Say what two contacts are to each other (kept over what is inferred).

        ``PUT /v1/contacts/{contact_id}/relationships/{other_id}``
        """
        return _cast(
            m.Relationship,
            await self._call(
                "PUT",
                f"/v1/contacts/{_segment(contact_id)}/relationships/{_segment(other_id)}",
                json=body,
                answer=m.Relationship,
            ),
        )

    async def delete_relationship(self, contact_id: str, other_id: str) -> None:
        """Undo a type you set: a link only you made goes, an inferred one goes back to its inferred type; an inferred link itself cannot be deleted (409).

        ``DELETE /v1/contacts/{contact_id}/relationships/{other_id}``
        """
        await self._call(
            "DELETE", f"/v1/contacts/{_segment(contact_id)}/relationships/{_segment(other_id)}"
        )

    async def unarchive(self, contact_id: str) -> m.ContactRecord:
        """Bring an archived contact back.

        ``POST /v1/contacts/{contact_id}/unarchive``
        """
        return _cast(
            m.ContactRecord,
            await self._call(
                "POST", f"/v1/contacts/{_segment(contact_id)}/unarchive", answer=m.ContactRecord
            ),
        )


class ConversationsResource(SyncResource):
    """``/v1/conversations``"""

    def list(
        self,
        *,
        limit: int | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        archived: bool | None = None,
        pinned: bool | None = None,
        project_id: str | None = None,
        tag: str | None = None,
        q: str | None = None,
    ) -> Paginator[m.Conversation]:
        """Conversations you take part in, most recent first.

        ``GET /v1/conversations``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/conversations",
            params={
                "limit": limit,
                "context": context,
                "archived": archived,
                "pinned": pinned,
                "project_id": project_id,
                "tag": tag,
                "q": q,
            },
            page=m.ConversationPage,
        )

    def create(self, body: m.ConversationCreate | Mapping[str, Any]) -> m.Conversation:
        """Start a conversation.

        ``POST /v1/conversations``
        """
        return _cast(
            m.Conversation,
            self._call("POST", "/v1/conversations", json=body, answer=m.Conversation),
        )

    def my_invitations(self) -> builtins.list[m.Invitation]:
        """Conversations you are invited to and have not yet accepted or declined.

        ``GET /v1/conversations/invitations``
        """
        return _cast(
            builtins.list[m.Invitation],
            self._call("GET", "/v1/conversations/invitations", answer=builtins.list[m.Invitation]),
        )

    def accept_invitation(self, conversation_id: str) -> m.Conversation:
        """Accept an invitation: the conversation becomes visible to you in the invited role.

        ``POST /v1/conversations/invitations/{conversation_id}/accept``
        """
        return _cast(
            m.Conversation,
            self._call(
                "POST",
                f"/v1/conversations/invitations/{_segment(conversation_id)}/accept",
                answer=m.Conversation,
            ),
        )

    def decline_invitation(self, conversation_id: str) -> None:
        """Decline an invitation.

        ``POST /v1/conversations/invitations/{conversation_id}/decline``
        """
        self._call("POST", f"/v1/conversations/invitations/{_segment(conversation_id)}/decline")

    def get(self, conversation_id: str) -> m.Conversation:
        """Get.

        ``GET /v1/conversations/{conversation_id}``
        """
        return _cast(
            m.Conversation,
            self._call(
                "GET", f"/v1/conversations/{_segment(conversation_id)}", answer=m.Conversation
            ),
        )

    def delete(self, conversation_id: str) -> None:
        """Delete a conversation and its messages.

        ``DELETE /v1/conversations/{conversation_id}``
        """
        self._call("DELETE", f"/v1/conversations/{_segment(conversation_id)}")

    def patch(
        self, conversation_id: str, body: m.ConversationPatch | Mapping[str, Any]
    ) -> m.Conversation:
        """Rename, archive, pin, move, change settings.

        ``PATCH /v1/conversations/{conversation_id}``
        """
        return _cast(
            m.Conversation,
            self._call(
                "PATCH",
                f"/v1/conversations/{_segment(conversation_id)}",
                json=body,
                answer=m.Conversation,
            ),
        )

    def advisors(self, conversation_id: str) -> m.ConversationAdvisors:
        """The advisors taking part in a conversation.

        ``GET /v1/conversations/{conversation_id}/advisors``
        """
        return _cast(
            m.ConversationAdvisors,
            self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/advisors",
                answer=m.ConversationAdvisors,
            ),
        )

    def add_advisor(self, conversation_id: str, advisor_id: str) -> m.ConversationAdvisors:
        """Bring an advisor into a conversation (owner).

        ``PUT /v1/conversations/{conversation_id}/advisors/{advisor_id}``
        """
        return _cast(
            m.ConversationAdvisors,
            self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}",
                answer=m.ConversationAdvisors,
            ),
        )

    def remove_advisor(self, conversation_id: str, advisor_id: str) -> None:
        """Remove an advisor from a conversation (owner).

        ``DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}``
        """
        self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}",
        )

    def list_advisor_memory(self, conversation_id: str, advisor_id: str) -> m.AdvisorMemory:
        """An advisor's notes in this conversation.

        ``GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory``
        """
        return _cast(
            m.AdvisorMemory,
            self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory",
                answer=m.AdvisorMemory,
            ),
        )

    def clear_advisor_memory(self, conversation_id: str, advisor_id: str) -> None:
        """Forget all of an advisor's notes here.

        ``DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory``
        """
        self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory",
        )

    def get_advisor_memory(self, conversation_id: str, advisor_id: str, key: str) -> m.MemoryEntry:
        """Get Memory.

        ``GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}``
        """
        return _cast(
            m.MemoryEntry,
            self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory/{_segment(key)}",
                answer=m.MemoryEntry,
            ),
        )

    def put_advisor_memory(
        self,
        conversation_id: str,
        advisor_id: str,
        key: str,
        body: m.MemoryValue | Mapping[str, Any],
    ) -> m.MemoryEntry:
        """Set one note (any JSON value).

        ``PUT /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}``
        """
        return _cast(
            m.MemoryEntry,
            self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory/{_segment(key)}",
                json=body,
                answer=m.MemoryEntry,
            ),
        )

    def delete_advisor_memory(self, conversation_id: str, advisor_id: str, key: str) -> None:
        """Delete Memory.

        ``DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}``
        """
        self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory/{_segment(key)}",
        )

    def list_messages(self, conversation_id: str) -> m.Thread:
        """The active branch, with the branch choices at each fork.

        ``GET /v1/conversations/{conversation_id}/messages``
        """
        return _cast(
            m.Thread,
            self._call(
                "GET", f"/v1/conversations/{_segment(conversation_id)}/messages", answer=m.Thread
            ),
        )

    def post_message(
        self, conversation_id: str, body: m.MessageIn | Mapping[str, Any]
    ) -> m.Exchange:
        """Send a message; the assistant replies (streamed with SSE, or the finished reply).

        ``POST /v1/conversations/{conversation_id}/messages``
        """
        return _cast(
            m.Exchange,
            self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages",
                json=body,
                answer=m.Exchange,
            ),
        )

    def get_message(self, conversation_id: str, message_id: str) -> m.Message:
        """One message (poll it to follow a generation).

        ``GET /v1/conversations/{conversation_id}/messages/{message_id}``
        """
        return _cast(
            m.Message,
            self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}",
                answer=m.Message,
            ),
        )

    def delete_message(self, conversation_id: str, message_id: str) -> None:
        """Delete a message (soft: the branch structure stays).

        ``DELETE /v1/conversations/{conversation_id}/messages/{message_id}``
        """
        self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}",
        )

    def activate(self, conversation_id: str, message_id: str) -> m.Thread:
        """Show the branch that contains this message.

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/activate``
        """
        return _cast(
            m.Thread,
            self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/activate",
                answer=m.Thread,
            ),
        )

    def edit(
        self, conversation_id: str, message_id: str, body: m.MessageEdit | Mapping[str, Any]
    ) -> m.Exchange:
        """Edit a user message: a new branch with its own reply (the original is kept).

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/edit``
        """
        return _cast(
            m.Exchange,
            self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/edit",
                json=body,
                answer=m.Exchange,
            ),
        )

    def rate(
        self, conversation_id: str, message_id: str, body: m.Rating | Mapping[str, Any]
    ) -> m.Message:
        """Rate an assistant reply (1-5).

        ``PUT /v1/conversations/{conversation_id}/messages/{message_id}/rating``
        """
        return _cast(
            m.Message,
            self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/rating",
                json=body,
                answer=m.Message,
            ),
        )

    def regenerate(self, conversation_id: str, message_id: str) -> m.Exchange:
        """Generate another reply as a sibling branch.

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/regenerate``
        """
        return _cast(
            m.Exchange,
            self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/regenerate",
                answer=m.Exchange,
            ),
        )

    def stop(self, conversation_id: str, message_id: str) -> m.Message:
        """Stop a reply being generated (partial text kept).

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/stop``
        """
        return _cast(
            m.Message,
            self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/stop",
                answer=m.Message,
            ),
        )

    def resume_stream(self, conversation_id: str, message_id: str) -> Any:
        """Resume a reply's stream: what was generated so far, then live deltas, then `done`/`error`.

        ``GET /v1/conversations/{conversation_id}/messages/{message_id}/stream``
        """
        return _cast(
            Any,
            self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/stream",
                answer=Any,
            ),
        )

    def list_participants(self, conversation_id: str) -> builtins.list[m.Participant]:
        """Participants.

        ``GET /v1/conversations/{conversation_id}/participants``
        """
        return _cast(
            builtins.list[m.Participant],
            self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/participants",
                answer=builtins.list[m.Participant],
            ),
        )

    def invite_participant(
        self, conversation_id: str, body: m.ParticipantAdd | Mapping[str, Any]
    ) -> builtins.list[m.Participant]:
        """Invite a collaborator or viewer (owner only); they join when they accept.

        ``POST /v1/conversations/{conversation_id}/participants``
        """
        return _cast(
            builtins.list[m.Participant],
            self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/participants",
                json=body,
                answer=builtins.list[m.Participant],
            ),
        )

    def remove_participant(self, conversation_id: str, user_id: str) -> None:
        """Remove a participant or withdraw an invitation (owner), or leave.

        ``DELETE /v1/conversations/{conversation_id}/participants/{user_id}``
        """
        self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/participants/{_segment(user_id)}",
        )

    def change_participant_role(
        self, conversation_id: str, user_id: str, body: m.ParticipantRoleChange | Mapping[str, Any]
    ) -> builtins.list[m.Participant]:
        """Change a participant's role (owner only).

        ``PATCH /v1/conversations/{conversation_id}/participants/{user_id}``
        """
        return _cast(
            builtins.list[m.Participant],
            self._call(
                "PATCH",
                f"/v1/conversations/{_segment(conversation_id)}/participants/{_segment(user_id)}",
                json=body,
                answer=builtins.list[m.Participant],
            ),
        )

    def list_summaries(self, conversation_id: str) -> m.ThreadSummaries:
        """Summaries of the conversation, oldest first.

        ``GET /v1/conversations/{conversation_id}/summaries``
        """
        return _cast(
            m.ThreadSummaries,
            self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/summaries",
                answer=m.ThreadSummaries,
            ),
        )

    def create_summary(
        self,
        conversation_id: str,
        *,
        body: m.SummaryCreate | None | Mapping[str, Any] | None = None,
    ) -> m.ThreadSummary:
        """Summarise the messages since the last summary.

        ``POST /v1/conversations/{conversation_id}/summaries``
        """
        return _cast(
            m.ThreadSummary,
            self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/summaries",
                json=body,
                answer=m.ThreadSummary,
            ),
        )

    def tag(self, conversation_id: str, tag: str) -> m.ItemTags:
        """Tag a conversation.

        ``PUT /v1/conversations/{conversation_id}/tags/{tag}``
        """
        return _cast(
            m.ItemTags,
            self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/tags/{_segment(tag)}",
                answer=m.ItemTags,
            ),
        )

    def untag(self, conversation_id: str, tag: str) -> None:
        """Untag a conversation.

        ``DELETE /v1/conversations/{conversation_id}/tags/{tag}``
        """
        self._call("DELETE", f"/v1/conversations/{_segment(conversation_id)}/tags/{_segment(tag)}")

    def get_typing_state(self, conversation_id: str) -> m.TypingState:
        """Who is typing, and whether a reply is being generated.

        ``GET /v1/conversations/{conversation_id}/typing``
        """
        return _cast(
            m.TypingState,
            self._call(
                "GET", f"/v1/conversations/{_segment(conversation_id)}/typing", answer=m.TypingState
            ),
        )

    def set_typing(
        self, conversation_id: str, body: m.TypingUpdate | Mapping[str, Any]
    ) -> m.TypingState:
        """Say you are typing (renew every few seconds) or have stopped; collaborators and owner.

        ``PUT /v1/conversations/{conversation_id}/typing``
        """
        return _cast(
            m.TypingState,
            self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/typing",
                json=body,
                answer=m.TypingState,
            ),
        )


class AsyncConversationsResource(AsyncResource):
    """``/v1/conversations``"""

    def list(
        self,
        *,
        limit: int | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        archived: bool | None = None,
        pinned: bool | None = None,
        project_id: str | None = None,
        tag: str | None = None,
        q: str | None = None,
    ) -> AsyncPaginator[m.Conversation]:
        """Conversations you take part in, most recent first.

        ``GET /v1/conversations``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/conversations",
            params={
                "limit": limit,
                "context": context,
                "archived": archived,
                "pinned": pinned,
                "project_id": project_id,
                "tag": tag,
                "q": q,
            },
            page=m.ConversationPage,
        )

    async def create(self, body: m.ConversationCreate | Mapping[str, Any]) -> m.Conversation:
        """Start a conversation.

        ``POST /v1/conversations``
        """
        return _cast(
            m.Conversation,
            await self._call("POST", "/v1/conversations", json=body, answer=m.Conversation),
        )

    async def my_invitations(self) -> builtins.list[m.Invitation]:
        """Conversations you are invited to and have not yet accepted or declined.

        ``GET /v1/conversations/invitations``
        """
        return _cast(
            builtins.list[m.Invitation],
            await self._call(
                "GET", "/v1/conversations/invitations", answer=builtins.list[m.Invitation]
            ),
        )

    async def accept_invitation(self, conversation_id: str) -> m.Conversation:
        """Accept an invitation: the conversation becomes visible to you in the invited role.

        ``POST /v1/conversations/invitations/{conversation_id}/accept``
        """
        return _cast(
            m.Conversation,
            await self._call(
                "POST",
                f"/v1/conversations/invitations/{_segment(conversation_id)}/accept",
                answer=m.Conversation,
            ),
        )

    async def decline_invitation(self, conversation_id: str) -> None:
        """Decline an invitation.

        ``POST /v1/conversations/invitations/{conversation_id}/decline``
        """
        await self._call(
            "POST", f"/v1/conversations/invitations/{_segment(conversation_id)}/decline"
        )

    async def get(self, conversation_id: str) -> m.Conversation:
        """Get.

        ``GET /v1/conversations/{conversation_id}``
        """
        return _cast(
            m.Conversation,
            await self._call(
                "GET", f"/v1/conversations/{_segment(conversation_id)}", answer=m.Conversation
            ),
        )

    async def delete(self, conversation_id: str) -> None:
        """Delete a conversation and its messages.

        ``DELETE /v1/conversations/{conversation_id}``
        """
        await self._call("DELETE", f"/v1/conversations/{_segment(conversation_id)}")

    async def patch(
        self, conversation_id: str, body: m.ConversationPatch | Mapping[str, Any]
    ) -> m.Conversation:
        """Rename, archive, pin, move, change settings.

        ``PATCH /v1/conversations/{conversation_id}``
        """
        return _cast(
            m.Conversation,
            await self._call(
                "PATCH",
                f"/v1/conversations/{_segment(conversation_id)}",
                json=body,
                answer=m.Conversation,
            ),
        )

    async def advisors(self, conversation_id: str) -> m.ConversationAdvisors:
        """The advisors taking part in a conversation.

        ``GET /v1/conversations/{conversation_id}/advisors``
        """
        return _cast(
            m.ConversationAdvisors,
            await self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/advisors",
                answer=m.ConversationAdvisors,
            ),
        )

    async def add_advisor(self, conversation_id: str, advisor_id: str) -> m.ConversationAdvisors:
        """Bring an advisor into a conversation (owner).

        ``PUT /v1/conversations/{conversation_id}/advisors/{advisor_id}``
        """
        return _cast(
            m.ConversationAdvisors,
            await self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}",
                answer=m.ConversationAdvisors,
            ),
        )

    async def remove_advisor(self, conversation_id: str, advisor_id: str) -> None:
        """Remove an advisor from a conversation (owner).

        ``DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}``
        """
        await self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}",
        )

    async def list_advisor_memory(self, conversation_id: str, advisor_id: str) -> m.AdvisorMemory:
        """An advisor's notes in this conversation.

        ``GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory``
        """
        return _cast(
            m.AdvisorMemory,
            await self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory",
                answer=m.AdvisorMemory,
            ),
        )

    async def clear_advisor_memory(self, conversation_id: str, advisor_id: str) -> None:
        """Forget all of an advisor's notes here.

        ``DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory``
        """
        await self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory",
        )

    async def get_advisor_memory(
        self, conversation_id: str, advisor_id: str, key: str
    ) -> m.MemoryEntry:
        """Get Memory.

        ``GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}``
        """
        return _cast(
            m.MemoryEntry,
            await self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory/{_segment(key)}",
                answer=m.MemoryEntry,
            ),
        )

    async def put_advisor_memory(
        self,
        conversation_id: str,
        advisor_id: str,
        key: str,
        body: m.MemoryValue | Mapping[str, Any],
    ) -> m.MemoryEntry:
        """Set one note (any JSON value).

        ``PUT /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}``
        """
        return _cast(
            m.MemoryEntry,
            await self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory/{_segment(key)}",
                json=body,
                answer=m.MemoryEntry,
            ),
        )

    async def delete_advisor_memory(self, conversation_id: str, advisor_id: str, key: str) -> None:
        """Delete Memory.

        ``DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}``
        """
        await self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/advisors/{_segment(advisor_id)}/memory/{_segment(key)}",
        )

    async def list_messages(self, conversation_id: str) -> m.Thread:
        """The active branch, with the branch choices at each fork.

        ``GET /v1/conversations/{conversation_id}/messages``
        """
        return _cast(
            m.Thread,
            await self._call(
                "GET", f"/v1/conversations/{_segment(conversation_id)}/messages", answer=m.Thread
            ),
        )

    async def post_message(
        self, conversation_id: str, body: m.MessageIn | Mapping[str, Any]
    ) -> m.Exchange:
        """Send a message; the assistant replies (streamed with SSE, or the finished reply).

        ``POST /v1/conversations/{conversation_id}/messages``
        """
        return _cast(
            m.Exchange,
            await self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages",
                json=body,
                answer=m.Exchange,
            ),
        )

    async def get_message(self, conversation_id: str, message_id: str) -> m.Message:
        """One message (poll it to follow a generation).

        ``GET /v1/conversations/{conversation_id}/messages/{message_id}``
        """
        return _cast(
            m.Message,
            await self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}",
                answer=m.Message,
            ),
        )

    async def delete_message(self, conversation_id: str, message_id: str) -> None:
        """Delete a message (soft: the branch structure stays).

        ``DELETE /v1/conversations/{conversation_id}/messages/{message_id}``
        """
        await self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}",
        )

    async def activate(self, conversation_id: str, message_id: str) -> m.Thread:
        """Show the branch that contains this message.

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/activate``
        """
        return _cast(
            m.Thread,
            await self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/activate",
                answer=m.Thread,
            ),
        )

    async def edit(
        self, conversation_id: str, message_id: str, body: m.MessageEdit | Mapping[str, Any]
    ) -> m.Exchange:
        """Edit a user message: a new branch with its own reply (the original is kept).

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/edit``
        """
        return _cast(
            m.Exchange,
            await self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/edit",
                json=body,
                answer=m.Exchange,
            ),
        )

    async def rate(
        self, conversation_id: str, message_id: str, body: m.Rating | Mapping[str, Any]
    ) -> m.Message:
        """Rate an assistant reply (1-5).

        ``PUT /v1/conversations/{conversation_id}/messages/{message_id}/rating``
        """
        return _cast(
            m.Message,
            await self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/rating",
                json=body,
                answer=m.Message,
            ),
        )

    async def regenerate(self, conversation_id: str, message_id: str) -> m.Exchange:
        """Generate another reply as a sibling branch.

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/regenerate``
        """
        return _cast(
            m.Exchange,
            await self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/regenerate",
                answer=m.Exchange,
            ),
        )

    async def stop(self, conversation_id: str, message_id: str) -> m.Message:
        """Stop a reply being generated (partial text kept).

        ``POST /v1/conversations/{conversation_id}/messages/{message_id}/stop``
        """
        return _cast(
            m.Message,
            await self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/stop",
                answer=m.Message,
            ),
        )

    async def resume_stream(self, conversation_id: str, message_id: str) -> Any:
        """Resume a reply's stream: what was generated so far, then live deltas, then `done`/`error`.

        ``GET /v1/conversations/{conversation_id}/messages/{message_id}/stream``
        """
        return _cast(
            Any,
            await self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/messages/{_segment(message_id)}/stream",
                answer=Any,
            ),
        )

    async def list_participants(self, conversation_id: str) -> builtins.list[m.Participant]:
        """Participants.

        ``GET /v1/conversations/{conversation_id}/participants``
        """
        return _cast(
            builtins.list[m.Participant],
            await self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/participants",
                answer=builtins.list[m.Participant],
            ),
        )

    async def invite_participant(
        self, conversation_id: str, body: m.ParticipantAdd | Mapping[str, Any]
    ) -> builtins.list[m.Participant]:
        """Invite a collaborator or viewer (owner only); they join when they accept.

        ``POST /v1/conversations/{conversation_id}/participants``
        """
        return _cast(
            builtins.list[m.Participant],
            await self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/participants",
                json=body,
                answer=builtins.list[m.Participant],
            ),
        )

    async def remove_participant(self, conversation_id: str, user_id: str) -> None:
        """Remove a participant or withdraw an invitation (owner), or leave.

        ``DELETE /v1/conversations/{conversation_id}/participants/{user_id}``
        """
        await self._call(
            "DELETE",
            f"/v1/conversations/{_segment(conversation_id)}/participants/{_segment(user_id)}",
        )

    async def change_participant_role(
        self, conversation_id: str, user_id: str, body: m.ParticipantRoleChange | Mapping[str, Any]
    ) -> builtins.list[m.Participant]:
        """Change a participant's role (owner only).

        ``PATCH /v1/conversations/{conversation_id}/participants/{user_id}``
        """
        return _cast(
            builtins.list[m.Participant],
            await self._call(
                "PATCH",
                f"/v1/conversations/{_segment(conversation_id)}/participants/{_segment(user_id)}",
                json=body,
                answer=builtins.list[m.Participant],
            ),
        )

    async def list_summaries(self, conversation_id: str) -> m.ThreadSummaries:
        """Summaries of the conversation, oldest first.

        ``GET /v1/conversations/{conversation_id}/summaries``
        """
        return _cast(
            m.ThreadSummaries,
            await self._call(
                "GET",
                f"/v1/conversations/{_segment(conversation_id)}/summaries",
                answer=m.ThreadSummaries,
            ),
        )

    async def create_summary(
        self,
        conversation_id: str,
        *,
        body: m.SummaryCreate | None | Mapping[str, Any] | None = None,
    ) -> m.ThreadSummary:
        """Summarise the messages since the last summary.

        ``POST /v1/conversations/{conversation_id}/summaries``
        """
        return _cast(
            m.ThreadSummary,
            await self._call(
                "POST",
                f"/v1/conversations/{_segment(conversation_id)}/summaries",
                json=body,
                answer=m.ThreadSummary,
            ),
        )

    async def tag(self, conversation_id: str, tag: str) -> m.ItemTags:
        """Tag a conversation.

        ``PUT /v1/conversations/{conversation_id}/tags/{tag}``
        """
        return _cast(
            m.ItemTags,
            await self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/tags/{_segment(tag)}",
                answer=m.ItemTags,
            ),
        )

    async def untag(self, conversation_id: str, tag: str) -> None:
        """Untag a conversation.

        ``DELETE /v1/conversations/{conversation_id}/tags/{tag}``
        """
        await self._call(
            "DELETE", f"/v1/conversations/{_segment(conversation_id)}/tags/{_segment(tag)}"
        )

    async def get_typing_state(self, conversation_id: str) -> m.TypingState:
        """Who is typing, and whether a reply is being generated.

        ``GET /v1/conversations/{conversation_id}/typing``
        """
        return _cast(
            m.TypingState,
            await self._call(
                "GET", f"/v1/conversations/{_segment(conversation_id)}/typing", answer=m.TypingState
            ),
        )

    async def set_typing(
        self, conversation_id: str, body: m.TypingUpdate | Mapping[str, Any]
    ) -> m.TypingState:
        """Say you are typing (renew every few seconds) or have stopped; collaborators and owner.

        ``PUT /v1/conversations/{conversation_id}/typing``
        """
        return _cast(
            m.TypingState,
            await self._call(
                "PUT",
                f"/v1/conversations/{_segment(conversation_id)}/typing",
                json=body,
                answer=m.TypingState,
            ),
        )


class DocumentsResource(SyncResource):
    """``/v1/documents``"""

    def list(
        self,
        *,
        context: str | None = None,
        tag: str | None = None,
        media_type: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Document]:
        """List documents, newest first.

        ``GET /v1/documents``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/documents",
            params={"context": context, "tag": tag, "media_type": media_type, "limit": limit},
            page=m.DocumentPage,
        )

    def upload(
        self,
        content: bytes,
        *,
        media_type: str,
        title: str | None = None,
        context: str | None = None,
        tag: builtins.list[str] | None = None,
        filename: str | None = None,
    ) -> m.Document:
        """Upload a text, markdown or PDF document; it is chunked and made searchable.

        ``POST /v1/documents``
        """
        return _cast(
            m.Document,
            self._call(
                "POST",
                "/v1/documents",
                params={"title": title, "context": context, "tag": tag, "filename": filename},
                content=content,
                headers={"Content-Type": media_type},
                answer=m.Document,
            ),
        )

    def get(self, document_id: str) -> m.Document:
        """One document.

        ``GET /v1/documents/{document_id}``
        """
        return _cast(
            m.Document,
            self._call("GET", f"/v1/documents/{_segment(document_id)}", answer=m.Document),
        )

    def delete(self, document_id: str) -> None:
        """Delete a document, its chunks and their vectors.

        ``DELETE /v1/documents/{document_id}``
        """
        self._call("DELETE", f"/v1/documents/{_segment(document_id)}")

    def chunks(self, document_id: str, *, limit: int | None = None) -> Paginator[m.DocumentChunk]:
        """A document's chunks, in order.

        ``GET /v1/documents/{document_id}/chunks``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/documents/{_segment(document_id)}/chunks",
            params={"limit": limit},
            page=m.DocumentChunkPage,
        )


class AsyncDocumentsResource(AsyncResource):
    """``/v1/documents``"""

    def list(
        self,
        *,
        context: str | None = None,
        tag: str | None = None,
        media_type: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Document]:
        """List documents, newest first.

        ``GET /v1/documents``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/documents",
            params={"context": context, "tag": tag, "media_type": media_type, "limit": limit},
            page=m.DocumentPage,
        )

    async def upload(
        self,
        content: bytes,
        *,
        media_type: str,
        title: str | None = None,
        context: str | None = None,
        tag: builtins.list[str] | None = None,
        filename: str | None = None,
    ) -> m.Document:
        """Upload a text, markdown or PDF document; it is chunked and made searchable.

        ``POST /v1/documents``
        """
        return _cast(
            m.Document,
            await self._call(
                "POST",
                "/v1/documents",
                params={"title": title, "context": context, "tag": tag, "filename": filename},
                content=content,
                headers={"Content-Type": media_type},
                answer=m.Document,
            ),
        )

    async def get(self, document_id: str) -> m.Document:
        """One document.

        ``GET /v1/documents/{document_id}``
        """
        return _cast(
            m.Document,
            await self._call("GET", f"/v1/documents/{_segment(document_id)}", answer=m.Document),
        )

    async def delete(self, document_id: str) -> None:
        """Delete a document, its chunks and their vectors.

        ``DELETE /v1/documents/{document_id}``
        """
        await self._call("DELETE", f"/v1/documents/{_segment(document_id)}")

    def chunks(
        self, document_id: str, *, limit: int | None = None
    ) -> AsyncPaginator[m.DocumentChunk]:
        """A document's chunks, in order.

        ``GET /v1/documents/{document_id}/chunks``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/documents/{_segment(document_id)}/chunks",
            params={"limit": limit},
            page=m.DocumentChunkPage,
        )


class EntitiesResource(SyncResource):
    """``/v1/entities``"""

    def list(
        self,
        *,
        type: Literal["person", "place", "organization", "project", "event", "product", "service"]
        | None = None,
        q: str | None = None,
        role: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Entity]:
        """List entities, most recently mentioned first.

        ``GET /v1/entities``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/entities",
            params={"type": type, "q": q, "role": role, "limit": limit},
            page=m.EntityPage,
        )

    def get(self, entity_id: str, *, memory_limit: int | None = None) -> m.EntityDetail:
        """An entity with its relationships and memories.

        ``GET /v1/entities/{entity_id}``
        """
        return _cast(
            m.EntityDetail,
            self._call(
                "GET",
                f"/v1/entities/{_segment(entity_id)}",
                params={"memory_limit": memory_limit},
                answer=m.EntityDetail,
            ),
        )

    def delete(self, entity_id: str, *, reason: str | None = None) -> None:
        """Delete an entity (its memories stay, unlinked).

        ``DELETE /v1/entities/{entity_id}``
        """
        self._call("DELETE", f"/v1/entities/{_segment(entity_id)}", params={"reason": reason})

    def patch(self, entity_id: str, body: m.EntityPatch | Mapping[str, Any]) -> m.Entity:
        """Correct an entity: name, type, aliases, roles, description, preferences.

        ``PATCH /v1/entities/{entity_id}``
        """
        return _cast(
            m.Entity,
            self._call("PATCH", f"/v1/entities/{_segment(entity_id)}", json=body, answer=m.Entity),
        )

    def history(self, entity_id: str) -> m.EntityHistory:
        """Every correction of an entity, also once merged or deleted.

        ``GET /v1/entities/{entity_id}/history``
        """
        return _cast(
            m.EntityHistory,
            self._call(
                "GET", f"/v1/entities/{_segment(entity_id)}/history", answer=m.EntityHistory
            ),
        )

    def merge(self, entity_id: str, body: m.EntityMerge | Mapping[str, Any]) -> m.Entity:
        """Merge an entity into another (the same person, place or thing).

        ``POST /v1/entities/{entity_id}/merge``
        """
        return _cast(
            m.Entity,
            self._call(
                "POST", f"/v1/entities/{_segment(entity_id)}/merge", json=body, answer=m.Entity
            ),
        )

    def split(self, entity_id: str, body: m.EntitySplit | Mapping[str, Any]) -> m.Entity:
        """Split a new entity off one that stood for two.

        ``POST /v1/entities/{entity_id}/split``
        """
        return _cast(
            m.Entity,
            self._call(
                "POST", f"/v1/entities/{_segment(entity_id)}/split", json=body, answer=m.Entity
            ),
        )


class AsyncEntitiesResource(AsyncResource):
    """``/v1/entities``"""

    def list(
        self,
        *,
        type: Literal["person", "place", "organization", "project", "event", "product", "service"]
        | None = None,
        q: str | None = None,
        role: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Entity]:
        """List entities, most recently mentioned first.

        ``GET /v1/entities``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/entities",
            params={"type": type, "q": q, "role": role, "limit": limit},
            page=m.EntityPage,
        )

    async def get(self, entity_id: str, *, memory_limit: int | None = None) -> m.EntityDetail:
        """An entity with its relationships and memories.

        ``GET /v1/entities/{entity_id}``
        """
        return _cast(
            m.EntityDetail,
            await self._call(
                "GET",
                f"/v1/entities/{_segment(entity_id)}",
                params={"memory_limit": memory_limit},
                answer=m.EntityDetail,
            ),
        )

    async def delete(self, entity_id: str, *, reason: str | None = None) -> None:
        """Delete an entity (its memories stay, unlinked).

        ``DELETE /v1/entities/{entity_id}``
        """
        await self._call("DELETE", f"/v1/entities/{_segment(entity_id)}", params={"reason": reason})

    async def patch(self, entity_id: str, body: m.EntityPatch | Mapping[str, Any]) -> m.Entity:
        """Correct an entity: name, type, aliases, roles, description, preferences.

        ``PATCH /v1/entities/{entity_id}``
        """
        return _cast(
            m.Entity,
            await self._call(
                "PATCH", f"/v1/entities/{_segment(entity_id)}", json=body, answer=m.Entity
            ),
        )

    async def history(self, entity_id: str) -> m.EntityHistory:
        """Every correction of an entity, also once merged or deleted.

        ``GET /v1/entities/{entity_id}/history``
        """
        return _cast(
            m.EntityHistory,
            await self._call(
                "GET", f"/v1/entities/{_segment(entity_id)}/history", answer=m.EntityHistory
            ),
        )

    async def merge(self, entity_id: str, body: m.EntityMerge | Mapping[str, Any]) -> m.Entity:
        """Merge an entity into another (the same person, place or thing).

        ``POST /v1/entities/{entity_id}/merge``
        """
        return _cast(
            m.Entity,
            await self._call(
                "POST", f"/v1/entities/{_segment(entity_id)}/merge", json=body, answer=m.Entity
            ),
        )

    async def split(self, entity_id: str, body: m.EntitySplit | Mapping[str, Any]) -> m.Entity:
        """Split a new entity off one that stood for two.

        ``POST /v1/entities/{entity_id}/split``
        """
        return _cast(
            m.Entity,
            await self._call(
                "POST", f"/v1/entities/{_segment(entity_id)}/split", json=body, answer=m.Entity
            ),
        )


class ExpensesResource(SyncResource):
    """``/v1/expenses``"""

    def list(
        self,
        *,
        from_: _dt.date | None = None,
        to: _dt.date | None = None,
        category: str | None = None,
        currency: str | None = None,
        min_amount: str | None = None,
        max_amount: str | None = None,
        q: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Expense]:
        """Your expenses, latest day first.

        ``GET /v1/expenses``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/expenses",
            params={
                "from": from_,
                "to": to,
                "category": category,
                "currency": currency,
                "min_amount": min_amount,
                "max_amount": max_amount,
                "q": q,
                "limit": limit,
            },
            page=m.ExpensePage,
        )

    def create(self, body: m.ExpenseIn | Mapping[str, Any]) -> m.Expense:
        """Record an expense.

        ``POST /v1/expenses``
        """
        return _cast(m.Expense, self._call("POST", "/v1/expenses", json=body, answer=m.Expense))

    def categories(self) -> builtins.list[m.Category]:
        """The categories, with their keywords and yours.

        ``GET /v1/expenses/categories``
        """
        return _cast(
            builtins.list[m.Category],
            self._call("GET", "/v1/expenses/categories", answer=builtins.list[m.Category]),
        )

    def set_category(self, category: str, body: m.CategoryRules | Mapping[str, Any]) -> m.Category:
        """Set your keywords for a category (a new id makes a category of your own).

        ``PUT /v1/expenses/categories/{category}``
        """
        return _cast(
            m.Category,
            self._call(
                "PUT", f"/v1/expenses/categories/{_segment(category)}", json=body, answer=m.Category
            ),
        )

    def drop_category(self, category: str) -> None:
        """Drop your keywords for a category (and a category of your own).

        ``DELETE /v1/expenses/categories/{category}``
        """
        self._call("DELETE", f"/v1/expenses/categories/{_segment(category)}")

    def summary(
        self, *, period: Literal["week", "month"] | None = None, date: _dt.date | None = None
    ) -> m.ExpenseSummary:
        """Spending per category for a week or month, with the trend against the one before.

        ``GET /v1/expenses/summary``
        """
        return _cast(
            m.ExpenseSummary,
            self._call(
                "GET",
                "/v1/expenses/summary",
                params={"period": period, "date": date},
                answer=m.ExpenseSummary,
            ),
        )

    def get(self, expense_id: str) -> m.Expense:
        """One expense.

        ``GET /v1/expenses/{expense_id}``
        """
        return _cast(
            m.Expense, self._call("GET", f"/v1/expenses/{_segment(expense_id)}", answer=m.Expense)
        )

    def delete(self, expense_id: str) -> None:
        """Delete an expense.

        ``DELETE /v1/expenses/{expense_id}``
        """
        self._call("DELETE", f"/v1/expenses/{_segment(expense_id)}")

    def update(self, expense_id: str, body: m.ExpensePatch | Mapping[str, Any]) -> m.Expense:
        """Change an expense.

        ``PATCH /v1/expenses/{expense_id}``
        """
        return _cast(
            m.Expense,
            self._call(
                "PATCH", f"/v1/expenses/{_segment(expense_id)}", json=body, answer=m.Expense
            ),
        )


class AsyncExpensesResource(AsyncResource):
    """``/v1/expenses``"""

    def list(
        self,
        *,
        from_: _dt.date | None = None,
        to: _dt.date | None = None,
        category: str | None = None,
        currency: str | None = None,
        min_amount: str | None = None,
        max_amount: str | None = None,
        q: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Expense]:
        """Your expenses, latest day first.

        ``GET /v1/expenses``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/expenses",
            params={
                "from": from_,
                "to": to,
                "category": category,
                "currency": currency,
                "min_amount": min_amount,
                "max_amount": max_amount,
                "q": q,
                "limit": limit,
            },
            page=m.ExpensePage,
        )

    async def create(self, body: m.ExpenseIn | Mapping[str, Any]) -> m.Expense:
        """Record an expense.

        ``POST /v1/expenses``
        """
        return _cast(
            m.Expense, await self._call("POST", "/v1/expenses", json=body, answer=m.Expense)
        )

    async def categories(self) -> builtins.list[m.Category]:
        """The categories, with their keywords and yours.

        ``GET /v1/expenses/categories``
        """
        return _cast(
            builtins.list[m.Category],
            await self._call("GET", "/v1/expenses/categories", answer=builtins.list[m.Category]),
        )

    async def set_category(
        self, category: str, body: m.CategoryRules | Mapping[str, Any]
    ) -> m.Category:
        """Set your keywords for a category (a new id makes a category of your own).

        ``PUT /v1/expenses/categories/{category}``
        """
        return _cast(
            m.Category,
            await self._call(
                "PUT", f"/v1/expenses/categories/{_segment(category)}", json=body, answer=m.Category
            ),
        )

    async def drop_category(self, category: str) -> None:
        """Drop your keywords for a category (and a category of your own).

        ``DELETE /v1/expenses/categories/{category}``
        """
        await self._call("DELETE", f"/v1/expenses/categories/{_segment(category)}")

    async def summary(
        self, *, period: Literal["week", "month"] | None = None, date: _dt.date | None = None
    ) -> m.ExpenseSummary:
        """Spending per category for a week or month, with the trend against the one before.

        ``GET /v1/expenses/summary``
        """
        return _cast(
            m.ExpenseSummary,
            await self._call(
                "GET",
                "/v1/expenses/summary",
                params={"period": period, "date": date},
                answer=m.ExpenseSummary,
            ),
        )

    async def get(self, expense_id: str) -> m.Expense:
        """One expense.

        ``GET /v1/expenses/{expense_id}``
        """
        return _cast(
            m.Expense,
            await self._call("GET", f"/v1/expenses/{_segment(expense_id)}", answer=m.Expense),
        )

    async def delete(self, expense_id: str) -> None:
        """Delete an expense.

        ``DELETE /v1/expenses/{expense_id}``
        """
        await self._call("DELETE", f"/v1/expenses/{_segment(expense_id)}")

    async def update(self, expense_id: str, body: m.ExpensePatch | Mapping[str, Any]) -> m.Expense:
        """Change an expense.

        ``PATCH /v1/expenses/{expense_id}``
        """
        return _cast(
            m.Expense,
            await self._call(
                "PATCH", f"/v1/expenses/{_segment(expense_id)}", json=body, answer=m.Expense
            ),
        )


class ExperiencesResource(SyncResource):
    """``/v1/experiences``"""

    def list(
        self,
        *,
        status: Literal["scheduled", "in_progress", "completed", "cancelled", "no_show"]
        | None = None,
        type: str | None = None,
        provider: str | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Experience]:
        """Your experiences, newest first.

        ``GET /v1/experiences``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/experiences",
            params={
                "status": status,
                "type": type,
                "provider": provider,
                "context": context,
                "limit": limit,
            },
            page=m.ExperiencePage,
        )

    def create(self, body: m.ExperienceIn | Mapping[str, Any]) -> m.Experience:
        """Track an experience (a follow-up is asked after it ends).

        ``POST /v1/experiences``
        """
        return _cast(
            m.Experience, self._call("POST", "/v1/experiences", json=body, answer=m.Experience)
        )

    def get(self, experience_id: str) -> m.Experience:
        """One experience.

        ``GET /v1/experiences/{experience_id}``
        """
        return _cast(
            m.Experience,
            self._call("GET", f"/v1/experiences/{_segment(experience_id)}", answer=m.Experience),
        )

    def delete(self, experience_id: str) -> None:
        """Delete an experience.

        ``DELETE /v1/experiences/{experience_id}``
        """
        self._call("DELETE", f"/v1/experiences/{_segment(experience_id)}")

    def update(
        self, experience_id: str, body: m.ExperiencePatch | Mapping[str, Any]
    ) -> m.Experience:
        """Change it (time changes move the follow-up; cancelling drops it).

        ``PATCH /v1/experiences/{experience_id}``
        """
        return _cast(
            m.Experience,
            self._call(
                "PATCH",
                f"/v1/experiences/{_segment(experience_id)}",
                json=body,
                answer=m.Experience,
            ),
        )

    def review(self, experience_id: str, body: m.ReviewIn | Mapping[str, Any]) -> m.Experience:
        """Review it in your own words (analysed like a reply to the follow-up).

        ``POST /v1/experiences/{experience_id}/review``
        """
        return _cast(
            m.Experience,
            self._call(
                "POST",
                f"/v1/experiences/{_segment(experience_id)}/review",
                json=body,
                answer=m.Experience,
            ),
        )


class AsyncExperiencesResource(AsyncResource):
    """``/v1/experiences``"""

    def list(
        self,
        *,
        status: Literal["scheduled", "in_progress", "completed", "cancelled", "no_show"]
        | None = None,
        type: str | None = None,
        provider: str | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Experience]:
        """Your experiences, newest first.

        ``GET /v1/experiences``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/experiences",
            params={
                "status": status,
                "type": type,
                "provider": provider,
                "context": context,
                "limit": limit,
            },
            page=m.ExperiencePage,
        )

    async def create(self, body: m.ExperienceIn | Mapping[str, Any]) -> m.Experience:
        """Track an experience (a follow-up is asked after it ends).

        ``POST /v1/experiences``
        """
        return _cast(
            m.Experience,
            await self._call("POST", "/v1/experiences", json=body, answer=m.Experience),
        )

    async def get(self, experience_id: str) -> m.Experience:
        """One experience.

        ``GET /v1/experiences/{experience_id}``
        """
        return _cast(
            m.Experience,
            await self._call(
                "GET", f"/v1/experiences/{_segment(experience_id)}", answer=m.Experience
            ),
        )

    async def delete(self, experience_id: str) -> None:
        """Delete an experience.

        ``DELETE /v1/experiences/{experience_id}``
        """
        await self._call("DELETE", f"/v1/experiences/{_segment(experience_id)}")

    async def update(
        self, experience_id: str, body: m.ExperiencePatch | Mapping[str, Any]
    ) -> m.Experience:
        """Change it (time changes move the follow-up; cancelling drops it).

        ``PATCH /v1/experiences/{experience_id}``
        """
        return _cast(
            m.Experience,
            await self._call(
                "PATCH",
                f"/v1/experiences/{_segment(experience_id)}",
                json=body,
                answer=m.Experience,
            ),
        )

    async def review(
        self, experience_id: str, body: m.ReviewIn | Mapping[str, Any]
    ) -> m.Experience:
        """Review it in your own words (analysed like a reply to the follow-up).

        ``POST /v1/experiences/{experience_id}/review``
        """
        return _cast(
            m.Experience,
            await self._call(
                "POST",
                f"/v1/experiences/{_segment(experience_id)}/review",
                json=body,
                answer=m.Experience,
            ),
        )


class IntegrationsResource(SyncResource):
    """``/v1/integrations``"""

    def list_connections(self, *, limit: int | None = None) -> Paginator[m.Connection]:
        """Your connections, newest first.

        ``GET /v1/integrations/connections``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET", "/v1/integrations/connections", params={"limit": limit}, page=m.ConnectionPage
        )

    def connect(self, body: m.CredentialsConnect | Mapping[str, Any]) -> m.Connection:
        """Connect an account with a user name and an app password (or a public feed).

        ``POST /v1/integrations/connections``
        """
        return _cast(
            m.Connection,
            self._call("POST", "/v1/integrations/connections", json=body, answer=m.Connection),
        )

    def get_connection(self, connection_id: str) -> m.Connection:
        """One connection.

        ``GET /v1/integrations/connections/{connection_id}``
        """
        return _cast(
            m.Connection,
            self._call(
                "GET",
                f"/v1/integrations/connections/{_segment(connection_id)}",
                answer=m.Connection,
            ),
        )

    def disconnect(self, connection_id: str, *, purge: bool | None = None) -> None:
        """Disconnect: the stored secret is destroyed; purge=true also removes synced data.

        ``DELETE /v1/integrations/connections/{connection_id}``
        """
        self._call(
            "DELETE",
            f"/v1/integrations/connections/{_segment(connection_id)}",
            params={"purge": purge},
        )

    def update_connection(
        self, connection_id: str, body: m.ConnectionPatch | Mapping[str, Any]
    ) -> m.Connection:
        """Rename, pause or change how often it syncs.

        ``PATCH /v1/integrations/connections/{connection_id}``
        """
        return _cast(
            m.Connection,
            self._call(
                "PATCH",
                f"/v1/integrations/connections/{_segment(connection_id)}",
                json=body,
                answer=m.Connection,
            ),
        )

    def sync_now(
        self, connection_id: str, *, body: m.SyncRequest | None | Mapping[str, Any] | None = None
    ) -> m.SyncJob:
        """Sync now (the job already queued or running, if there is one).

        ``POST /v1/integrations/connections/{connection_id}/sync``
        """
        return _cast(
            m.SyncJob,
            self._call(
                "POST",
                f"/v1/integrations/connections/{_segment(connection_id)}/sync",
                json=body,
                answer=m.SyncJob,
            ),
        )

    def test_connection(self, connection_id: str) -> m.Connection:
        """Reach the server again with the stored credentials.

        ``POST /v1/integrations/connections/{connection_id}/test``
        """
        return _cast(
            m.Connection,
            self._call(
                "POST",
                f"/v1/integrations/connections/{_segment(connection_id)}/test",
                answer=m.Connection,
            ),
        )

    def list_jobs(
        self, *, connection_id: str | None = None, limit: int | None = None
    ) -> Paginator[m.SyncJob]:
        """Sync jobs, newest first.

        ``GET /v1/integrations/jobs``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/integrations/jobs",
            params={"connection_id": connection_id, "limit": limit},
            page=m.SyncJobPage,
        )

    def get_job(self, job_id: str) -> m.SyncJob:
        """One sync job and its progress.

        ``GET /v1/integrations/jobs/{job_id}``
        """
        return _cast(
            m.SyncJob,
            self._call("GET", f"/v1/integrations/jobs/{_segment(job_id)}", answer=m.SyncJob),
        )

    def cancel_job(self, job_id: str) -> m.SyncJob:
        """Cancel a queued sync, or stop a running one.

        ``POST /v1/integrations/jobs/{job_id}/cancel``
        """
        return _cast(
            m.SyncJob,
            self._call(
                "POST", f"/v1/integrations/jobs/{_segment(job_id)}/cancel", answer=m.SyncJob
            ),
        )

    def retry_job(self, job_id: str) -> m.SyncJob:
        """Run a failed or cancelled sync again.

        ``POST /v1/integrations/jobs/{job_id}/retry``
        """
        return _cast(
            m.SyncJob,
            self._call("POST", f"/v1/integrations/jobs/{_segment(job_id)}/retry", answer=m.SyncJob),
        )

    def complete_oauth(
        self, provider: str, body: m.OAuthComplete | Mapping[str, Any]
    ) -> m.Connection:
        """Finish signing in with the code and state the provider redirected with.

        ``POST /v1/integrations/oauth/{provider}/complete``
        """
        return _cast(
            m.Connection,
            self._call(
                "POST",
                f"/v1/integrations/oauth/{_segment(provider)}/complete",
                json=body,
                answer=m.Connection,
            ),
        )

    def start_oauth(
        self, provider: str, *, body: m.OAuthStart | None | Mapping[str, Any] | None = None
    ) -> m.OAuthStarted:
        """Start signing in at the provider: where to send the browser.

        ``POST /v1/integrations/oauth/{provider}/start``
        """
        return _cast(
            m.OAuthStarted,
            self._call(
                "POST",
                f"/v1/integrations/oauth/{_segment(provider)}/start",
                json=body,
                answer=m.OAuthStarted,
            ),
        )

    def providers(self) -> m.ProviderList:
        """The kinds of accounts this instance can connect.

        ``GET /v1/integrations/providers``
        """
        return _cast(
            m.ProviderList, self._call("GET", "/v1/integrations/providers", answer=m.ProviderList)
        )


class AsyncIntegrationsResource(AsyncResource):
    """``/v1/integrations``"""

    def list_connections(self, *, limit: int | None = None) -> AsyncPaginator[m.Connection]:
        """Your connections, newest first.

        ``GET /v1/integrations/connections``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET", "/v1/integrations/connections", params={"limit": limit}, page=m.ConnectionPage
        )

    async def connect(self, body: m.CredentialsConnect | Mapping[str, Any]) -> m.Connection:
        """Connect an account with a user name and an app password (or a public feed).

        ``POST /v1/integrations/connections``
        """
        return _cast(
            m.Connection,
            await self._call(
                "POST", "/v1/integrations/connections", json=body, answer=m.Connection
            ),
        )

    async def get_connection(self, connection_id: str) -> m.Connection:
        """One connection.

        ``GET /v1/integrations/connections/{connection_id}``
        """
        return _cast(
            m.Connection,
            await self._call(
                "GET",
                f"/v1/integrations/connections/{_segment(connection_id)}",
                answer=m.Connection,
            ),
        )

    async def disconnect(self, connection_id: str, *, purge: bool | None = None) -> None:
        """Disconnect: the stored secret is destroyed; purge=true also removes synced data.

        ``DELETE /v1/integrations/connections/{connection_id}``
        """
        await self._call(
            "DELETE",
            f"/v1/integrations/connections/{_segment(connection_id)}",
            params={"purge": purge},
        )

    async def update_connection(
        self, connection_id: str, body: m.ConnectionPatch | Mapping[str, Any]
    ) -> m.Connection:
        """Rename, pause or change how often it syncs.

        ``PATCH /v1/integrations/connections/{connection_id}``
        """
        return _cast(
            m.Connection,
            await self._call(
                "PATCH",
                f"/v1/integrations/connections/{_segment(connection_id)}",
                json=body,
                answer=m.Connection,
            ),
        )

    async def sync_now(
        self, connection_id: str, *, body: m.SyncRequest | None | Mapping[str, Any] | None = None
    ) -> m.SyncJob:
        """Sync now (the job already queued or running, if there is one).

        ``POST /v1/integrations/connections/{connection_id}/sync``
        """
        return _cast(
            m.SyncJob,
            await self._call(
                "POST",
                f"/v1/integrations/connections/{_segment(connection_id)}/sync",
                json=body,
                answer=m.SyncJob,
            ),
        )

    async def test_connection(self, connection_id: str) -> m.Connection:
        """Reach the server again with the stored credentials.

        ``POST /v1/integrations/connections/{connection_id}/test``
        """
        return _cast(
            m.Connection,
            await self._call(
                "POST",
                f"/v1/integrations/connections/{_segment(connection_id)}/test",
                answer=m.Connection,
            ),
        )

    def list_jobs(
        self, *, connection_id: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[m.SyncJob]:
        """Sync jobs, newest first.

        ``GET /v1/integrations/jobs``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/integrations/jobs",
            params={"connection_id": connection_id, "limit": limit},
            page=m.SyncJobPage,
        )

    async def get_job(self, job_id: str) -> m.SyncJob:
        """One sync job and its progress.

        ``GET /v1/integrations/jobs/{job_id}``
        """
        return _cast(
            m.SyncJob,
            await self._call("GET", f"/v1/integrations/jobs/{_segment(job_id)}", answer=m.SyncJob),
        )

    async def cancel_job(self, job_id: str) -> m.SyncJob:
        """Cancel a queued sync, or stop a running one.

        ``POST /v1/integrations/jobs/{job_id}/cancel``
        """
        return _cast(
            m.SyncJob,
            await self._call(
                "POST", f"/v1/integrations/jobs/{_segment(job_id)}/cancel", answer=m.SyncJob
            ),
        )

    async def retry_job(self, job_id: str) -> m.SyncJob:
        """Run a failed or cancelled sync again.

        ``POST /v1/integrations/jobs/{job_id}/retry``
        """
        return _cast(
            m.SyncJob,
            await self._call(
                "POST", f"/v1/integrations/jobs/{_segment(job_id)}/retry", answer=m.SyncJob
            ),
        )

    async def complete_oauth(
        self, provider: str, body: m.OAuthComplete | Mapping[str, Any]
    ) -> m.Connection:
        """Finish signing in with the code and state the provider redirected with.

        ``POST /v1/integrations/oauth/{provider}/complete``
        """
        return _cast(
            m.Connection,
            await self._call(
                "POST",
                f"/v1/integrations/oauth/{_segment(provider)}/complete",
                json=body,
                answer=m.Connection,
            ),
        )

    async def start_oauth(
        self, provider: str, *, body: m.OAuthStart | None | Mapping[str, Any] | None = None
    ) -> m.OAuthStarted:
        """Start signing in at the provider: where to send the browser.

        ``POST /v1/integrations/oauth/{provider}/start``
        """
        return _cast(
            m.OAuthStarted,
            await self._call(
                "POST",
                f"/v1/integrations/oauth/{_segment(provider)}/start",
                json=body,
                answer=m.OAuthStarted,
            ),
        )

    async def providers(self) -> m.ProviderList:
        """The kinds of accounts this instance can connect.

        ``GET /v1/integrations/providers``
        """
        return _cast(
            m.ProviderList,
            await self._call("GET", "/v1/integrations/providers", answer=m.ProviderList),
        )


class InteractionsResource(SyncResource):
    """``/v1/interactions``"""

    def get(self, interaction_id: str) -> m.InteractionRecord:
        """One interaction.

        ``GET /v1/interactions/{interaction_id}``
        """
        return _cast(
            m.InteractionRecord,
            self._call(
                "GET", f"/v1/interactions/{_segment(interaction_id)}", answer=m.InteractionRecord
            ),
        )

    def delete(self, interaction_id: str) -> None:
        """Delete an interaction logged by hand or from conversation (a synced one: 409).

        ``DELETE /v1/interactions/{interaction_id}``
        """
        self._call("DELETE", f"/v1/interactions/{_segment(interaction_id)}")

    def update(
        self, interaction_id: str, body: m.InteractionPatch | Mapping[str, Any]
    ) -> m.InteractionRecord:
        """Edit an interaction logged by hand or from conversation (a synced one: 409).

        ``PATCH /v1/interactions/{interaction_id}``
        """
        return _cast(
            m.InteractionRecord,
            self._call(
                "PATCH",
                f"/v1/interactions/{_segment(interaction_id)}",
                json=body,
                answer=m.InteractionRecord,
            ),
        )


class AsyncInteractionsResource(AsyncResource):
    """``/v1/interactions``"""

    async def get(self, interaction_id: str) -> m.InteractionRecord:
        """One interaction.

        ``GET /v1/interactions/{interaction_id}``
        """
        return _cast(
            m.InteractionRecord,
            await self._call(
                "GET", f"/v1/interactions/{_segment(interaction_id)}", answer=m.InteractionRecord
            ),
        )

    async def delete(self, interaction_id: str) -> None:
        """Delete an interaction logged by hand or from conversation (a synced one: 409).

        ``DELETE /v1/interactions/{interaction_id}``
        """
        await self._call("DELETE", f"/v1/interactions/{_segment(interaction_id)}")

    async def update(
        self, interaction_id: str, body: m.InteractionPatch | Mapping[str, Any]
    ) -> m.InteractionRecord:
        """Edit an interaction logged by hand or from conversation (a synced one: 409).

        ``PATCH /v1/interactions/{interaction_id}``
        """
        return _cast(
            m.InteractionRecord,
            await self._call(
                "PATCH",
                f"/v1/interactions/{_segment(interaction_id)}",
                json=body,
                answer=m.InteractionRecord,
            ),
        )


class ListsResource(SyncResource):
    """``/v1/lists``"""

    def list_lists(self, *, limit: int | None = None) -> Paginator[m.ShoppingList]:
        """Your lists and the ones shared with you, newest first.

        ``GET /v1/lists``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate("GET", "/v1/lists", params={"limit": limit}, page=m.ListPage)

    def create(self, body: m.ListIn | Mapping[str, Any]) -> m.ShoppingList:
        """Create a list.

        ``POST /v1/lists``
        """
        return _cast(
            m.ShoppingList, self._call("POST", "/v1/lists", json=body, answer=m.ShoppingList)
        )

    def invitations(self) -> builtins.list[m.ListInvitation]:
        """Lists you are invited to and have not accepted or declined.

        ``GET /v1/lists/invitations``
        """
        return _cast(
            builtins.list[m.ListInvitation],
            self._call("GET", "/v1/lists/invitations", answer=builtins.list[m.ListInvitation]),
        )

    def accept(self, list_id: str) -> m.ShoppingList:
        """Accept an invitation: the list appears among yours as a collaborator's.

        ``POST /v1/lists/invitations/{list_id}/accept``
        """
        return _cast(
            m.ShoppingList,
            self._call(
                "POST", f"/v1/lists/invitations/{_segment(list_id)}/accept", answer=m.ShoppingList
            ),
        )

    def decline(self, list_id: str) -> None:
        """Decline an invitation.

        ``POST /v1/lists/invitations/{list_id}/decline``
        """
        self._call("POST", f"/v1/lists/invitations/{_segment(list_id)}/decline")

    def get(self, list_id: str) -> m.ShoppingList:
        """One list.

        ``GET /v1/lists/{list_id}``
        """
        return _cast(
            m.ShoppingList,
            self._call("GET", f"/v1/lists/{_segment(list_id)}", answer=m.ShoppingList),
        )

    def delete(self, list_id: str) -> None:
        """Delete a list and its items (owner only).

        ``DELETE /v1/lists/{list_id}``
        """
        self._call("DELETE", f"/v1/lists/{_segment(list_id)}")

    def update(self, list_id: str, body: m.ListPatch | Mapping[str, Any]) -> m.ShoppingList:
        """Rename a list or make it the default (owner only).

        ``PATCH /v1/lists/{list_id}``
        """
        return _cast(
            m.ShoppingList,
            self._call("PATCH", f"/v1/lists/{_segment(list_id)}", json=body, answer=m.ShoppingList),
        )

    def items(
        self,
        list_id: str,
        *,
        completed: bool | None = None,
        category: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Item]:
        """A list's items, newest first.

        ``GET /v1/lists/{list_id}/items``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/lists/{_segment(list_id)}/items",
            params={"completed": completed, "category": category, "limit": limit},
            page=m.ItemPage,
        )

    def add_item(self, list_id: str, body: m.ItemIn | Mapping[str, Any]) -> m.Item:
        """Add an item (201), or add to the quantity of the open item of that name and unit (200).

        ``POST /v1/lists/{list_id}/items``
        """
        return _cast(
            m.Item,
            self._call("POST", f"/v1/lists/{_segment(list_id)}/items", json=body, answer=m.Item),
        )

    def clear_completed(self, list_id: str) -> m.Cleared:
        """Remove the items ticked off.

        ``POST /v1/lists/{list_id}/items/clear-completed``
        """
        return _cast(
            m.Cleared,
            self._call(
                "POST", f"/v1/lists/{_segment(list_id)}/items/clear-completed", answer=m.Cleared
            ),
        )

    def get_item(self, list_id: str, item_id: str) -> m.Item:
        """One item.

        ``GET /v1/lists/{list_id}/items/{item_id}``
        """
        return _cast(
            m.Item,
            self._call(
                "GET", f"/v1/lists/{_segment(list_id)}/items/{_segment(item_id)}", answer=m.Item
            ),
        )

    def delete_item(self, list_id: str, item_id: str) -> None:
        """Remove an item.

        ``DELETE /v1/lists/{list_id}/items/{item_id}``
        """
        self._call("DELETE", f"/v1/lists/{_segment(list_id)}/items/{_segment(item_id)}")

    def update_item(
        self, list_id: str, item_id: str, body: m.ItemPatch | Mapping[str, Any]
    ) -> m.Item:
        """Change an item or tick it off.

        ``PATCH /v1/lists/{list_id}/items/{item_id}``
        """
        return _cast(
            m.Item,
            self._call(
                "PATCH",
                f"/v1/lists/{_segment(list_id)}/items/{_segment(item_id)}",
                json=body,
                answer=m.Item,
            ),
        )

    def members(self, list_id: str) -> builtins.list[m.Member]:
        """Who shares the list.

        ``GET /v1/lists/{list_id}/members``
        """
        return _cast(
            builtins.list[m.Member],
            self._call(
                "GET", f"/v1/lists/{_segment(list_id)}/members", answer=builtins.list[m.Member]
            ),
        )

    def invite(
        self, list_id: str, body: m.MemberAdd | Mapping[str, Any]
    ) -> builtins.list[m.Member]:
        """Invite a collaborator (owner only); they join when they accept.

        ``POST /v1/lists/{list_id}/members``
        """
        return _cast(
            builtins.list[m.Member],
            self._call(
                "POST",
                f"/v1/lists/{_segment(list_id)}/members",
                json=body,
                answer=builtins.list[m.Member],
            ),
        )

    def remove_member(self, list_id: str, user_id: str) -> None:
        """Remove a collaborator or withdraw an invitation (owner), or leave.

        ``DELETE /v1/lists/{list_id}/members/{user_id}``
        """
        self._call("DELETE", f"/v1/lists/{_segment(list_id)}/members/{_segment(user_id)}")


class AsyncListsResource(AsyncResource):
    """``/v1/lists``"""

    def list_lists(self, *, limit: int | None = None) -> AsyncPaginator[m.ShoppingList]:
        """Your lists and the ones shared with you, newest first.

        ``GET /v1/lists``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate("GET", "/v1/lists", params={"limit": limit}, page=m.ListPage)

    async def create(self, body: m.ListIn | Mapping[str, Any]) -> m.ShoppingList:
        """Create a list.

        ``POST /v1/lists``
        """
        return _cast(
            m.ShoppingList, await self._call("POST", "/v1/lists", json=body, answer=m.ShoppingList)
        )

    async def invitations(self) -> builtins.list[m.ListInvitation]:
        """Lists you are invited to and have not accepted or declined.

        ``GET /v1/lists/invitations``
        """
        return _cast(
            builtins.list[m.ListInvitation],
            await self._call(
                "GET", "/v1/lists/invitations", answer=builtins.list[m.ListInvitation]
            ),
        )

    async def accept(self, list_id: str) -> m.ShoppingList:
        """Accept an invitation: the list appears among yours as a collaborator's.

        ``POST /v1/lists/invitations/{list_id}/accept``
        """
        return _cast(
            m.ShoppingList,
            await self._call(
                "POST", f"/v1/lists/invitations/{_segment(list_id)}/accept", answer=m.ShoppingList
            ),
        )

    async def decline(self, list_id: str) -> None:
        """Decline an invitation.

        ``POST /v1/lists/invitations/{list_id}/decline``
        """
        await self._call("POST", f"/v1/lists/invitations/{_segment(list_id)}/decline")

    async def get(self, list_id: str) -> m.ShoppingList:
        """One list.

        ``GET /v1/lists/{list_id}``
        """
        return _cast(
            m.ShoppingList,
            await self._call("GET", f"/v1/lists/{_segment(list_id)}", answer=m.ShoppingList),
        )

    async def delete(self, list_id: str) -> None:
        """Delete a list and its items (owner only).

        ``DELETE /v1/lists/{list_id}``
        """
        await self._call("DELETE", f"/v1/lists/{_segment(list_id)}")

    async def update(self, list_id: str, body: m.ListPatch | Mapping[str, Any]) -> m.ShoppingList:
        """Rename a list or make it the default (owner only).

        ``PATCH /v1/lists/{list_id}``
        """
        return _cast(
            m.ShoppingList,
            await self._call(
                "PATCH", f"/v1/lists/{_segment(list_id)}", json=body, answer=m.ShoppingList
            ),
        )

    def items(
        self,
        list_id: str,
        *,
        completed: bool | None = None,
        category: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Item]:
        """A list's items, newest first.

        ``GET /v1/lists/{list_id}/items``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/lists/{_segment(list_id)}/items",
            params={"completed": completed, "category": category, "limit": limit},
            page=m.ItemPage,
        )

    async def add_item(self, list_id: str, body: m.ItemIn | Mapping[str, Any]) -> m.Item:
        """Add an item (201), or add to the quantity of the open item of that name and unit (200).

        ``POST /v1/lists/{list_id}/items``
        """
        return _cast(
            m.Item,
            await self._call(
                "POST", f"/v1/lists/{_segment(list_id)}/items", json=body, answer=m.Item
            ),
        )

    async def clear_completed(self, list_id: str) -> m.Cleared:
        """Remove the items ticked off.

        ``POST /v1/lists/{list_id}/items/clear-completed``
        """
        return _cast(
            m.Cleared,
            await self._call(
                "POST", f"/v1/lists/{_segment(list_id)}/items/clear-completed", answer=m.Cleared
            ),
        )

    async def get_item(self, list_id: str, item_id: str) -> m.Item:
        """One item.

        ``GET /v1/lists/{list_id}/items/{item_id}``
        """
        return _cast(
            m.Item,
            await self._call(
                "GET", f"/v1/lists/{_segment(list_id)}/items/{_segment(item_id)}", answer=m.Item
            ),
        )

    async def delete_item(self, list_id: str, item_id: str) -> None:
        """Remove an item.

        ``DELETE /v1/lists/{list_id}/items/{item_id}``
        """
        await self._call("DELETE", f"/v1/lists/{_segment(list_id)}/items/{_segment(item_id)}")

    async def update_item(
        self, list_id: str, item_id: str, body: m.ItemPatch | Mapping[str, Any]
    ) -> m.Item:
        """Change an item or tick it off.

        ``PATCH /v1/lists/{list_id}/items/{item_id}``
        """
        return _cast(
            m.Item,
            await self._call(
                "PATCH",
                f"/v1/lists/{_segment(list_id)}/items/{_segment(item_id)}",
                json=body,
                answer=m.Item,
            ),
        )

    async def members(self, list_id: str) -> builtins.list[m.Member]:
        """Who shares the list.

        ``GET /v1/lists/{list_id}/members``
        """
        return _cast(
            builtins.list[m.Member],
            await self._call(
                "GET", f"/v1/lists/{_segment(list_id)}/members", answer=builtins.list[m.Member]
            ),
        )

    async def invite(
        self, list_id: str, body: m.MemberAdd | Mapping[str, Any]
    ) -> builtins.list[m.Member]:
        """Invite a collaborator (owner only); they join when they accept.

        ``POST /v1/lists/{list_id}/members``
        """
        return _cast(
            builtins.list[m.Member],
            await self._call(
                "POST",
                f"/v1/lists/{_segment(list_id)}/members",
                json=body,
                answer=builtins.list[m.Member],
            ),
        )

    async def remove_member(self, list_id: str, user_id: str) -> None:
        """Remove a collaborator or withdraw an invitation (owner), or leave.

        ``DELETE /v1/lists/{list_id}/members/{user_id}``
        """
        await self._call("DELETE", f"/v1/lists/{_segment(list_id)}/members/{_segment(user_id)}")


class MailResource(SyncResource):
    """``/v1/mail``"""

    def list_messages(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        thread_id: str | None = None,
        connection_id: str | None = None,
        mailbox: str | None = None,
    ) -> Paginator[m.MailSummary]:
        """Your messages, newest first; q= searches subject, sender, body.

        ``GET /v1/mail/messages``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/mail/messages",
            params={
                "limit": limit,
                "q": q,
                "thread_id": thread_id,
                "connection_id": connection_id,
                "mailbox": mailbox,
            },
            page=m.MailPage,
        )

    def get_message(self, message_id: str) -> m.MailMessageDetail:
        """One message, with its text.

        ``GET /v1/mail/messages/{message_id}``
        """
        return _cast(
            m.MailMessageDetail,
            self._call(
                "GET", f"/v1/mail/messages/{_segment(message_id)}", answer=m.MailMessageDetail
            ),
        )

    def get_thread(self, thread_id: str, *, limit: int | None = None) -> Paginator[m.MailSummary]:
        """The messages of a thread, oldest first.

        ``GET /v1/mail/threads/{thread_id}``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/mail/threads/{_segment(thread_id)}",
            params={"limit": limit},
            page=m.MailPage,
        )


class AsyncMailResource(AsyncResource):
    """``/v1/mail``"""

    def list_messages(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        thread_id: str | None = None,
        connection_id: str | None = None,
        mailbox: str | None = None,
    ) -> AsyncPaginator[m.MailSummary]:
        """Your messages, newest first; q= searches subject, sender, body.

        ``GET /v1/mail/messages``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/mail/messages",
            params={
                "limit": limit,
                "q": q,
                "thread_id": thread_id,
                "connection_id": connection_id,
                "mailbox": mailbox,
            },
            page=m.MailPage,
        )

    async def get_message(self, message_id: str) -> m.MailMessageDetail:
        """One message, with its text.

        ``GET /v1/mail/messages/{message_id}``
        """
        return _cast(
            m.MailMessageDetail,
            await self._call(
                "GET", f"/v1/mail/messages/{_segment(message_id)}", answer=m.MailMessageDetail
            ),
        )

    def get_thread(
        self, thread_id: str, *, limit: int | None = None
    ) -> AsyncPaginator[m.MailSummary]:
        """The messages of a thread, oldest first.

        ``GET /v1/mail/threads/{thread_id}``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            f"/v1/mail/threads/{_segment(thread_id)}",
            params={"limit": limit},
            page=m.MailPage,
        )


class MeResource(SyncResource):
    """``/v1/me``"""

    def get(self) -> m.User:
        """The signed-in user.

        ``GET /v1/me``
        """
        return _cast(m.User, self._call("GET", "/v1/me", answer=m.User))

    def erase(self) -> m.ErasureStatus:
        """Erase your account and all your data everywhere (GDPR Art. 17).

        ``DELETE /v1/me``
        """
        return _cast(m.ErasureStatus, self._call("DELETE", "/v1/me", answer=m.ErasureStatus))

    def patch(self, body: m.UserPatch | Mapping[str, Any]) -> m.User:
        """Change profile fields.

        ``PATCH /v1/me``
        """
        return _cast(m.User, self._call("PATCH", "/v1/me", json=body, answer=m.User))

    def list_keys(self) -> m.ApiKeyList:
        """List API keys (without secrets).

        ``GET /v1/me/api-keys``
        """
        return _cast(m.ApiKeyList, self._call("GET", "/v1/me/api-keys", answer=m.ApiKeyList))

    def create_key(self, body: m.ApiKeyCreate | Mapping[str, Any]) -> m.ApiKeyCreated:
        """Create an API key (shown once).

        ``POST /v1/me/api-keys``
        """
        return _cast(
            m.ApiKeyCreated,
            self._call("POST", "/v1/me/api-keys", json=body, answer=m.ApiKeyCreated),
        )

    def revoke_key(self, key_id: str) -> None:
        """Revoke an API key.

        ``DELETE /v1/me/api-keys/{key_id}``
        """
        self._call("DELETE", f"/v1/me/api-keys/{_segment(key_id)}")

    def audit_log(
        self,
        *,
        limit: int | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        action: str | None = None,
    ) -> Paginator[m.AuditEntry]:
        """Security events and changes to contacts, interactions and connections, newest first.

        ``GET /v1/me/audit-log``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/me/audit-log",
            params={
                "limit": limit,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "action": action,
            },
            page=m.AuditPage,
        )

    def list_connections(self, *, limit: int | None = None) -> Paginator[m.OAuthConnection]:
        """The MCP and OAuth clients you authorized, newest first.

        ``GET /v1/me/connections``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET", "/v1/me/connections", params={"limit": limit}, page=m.OAuthConnectionPage
        )

    def revoke_connection(self, client_id: str) -> None:
        """Disconnect a client: its refresh tokens end and its access tokens stop working.

        ``DELETE /v1/me/connections/{client_id}``
        """
        self._call("DELETE", f"/v1/me/connections/{_segment(client_id)}")

    def erasure_status(self, erasure_id: str) -> m.ErasureStatus:
        """Progress of an erasure.

        ``GET /v1/me/erasure/{erasure_id}``
        """
        return _cast(
            m.ErasureStatus,
            self._call("GET", f"/v1/me/erasure/{_segment(erasure_id)}", answer=m.ErasureStatus),
        )

    def export(self) -> m.ExportArchive:
        """Download everything Muninn holds about you (GDPR Art. 20).

        ``POST /v1/me/export``
        """
        return _cast(m.ExportArchive, self._call("POST", "/v1/me/export", answer=m.ExportArchive))

    def list_patterns(
        self,
        *,
        status: Literal["active", "dismissed"] | None = None,
        pattern_type: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Pattern]:
        """Your patterns, newest first, each with its evidence.

        ``GET /v1/me/patterns``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/me/patterns",
            params={"status": status, "pattern_type": pattern_type, "limit": limit},
            page=m.PatternPage,
        )

    def learn_patterns(self) -> m.LearningReport:
        """Learn your patterns now (with an LLM configured, also from your memories).

        ``POST /v1/me/patterns/learn``
        """
        return _cast(
            m.LearningReport, self._call("POST", "/v1/me/patterns/learn", answer=m.LearningReport)
        )

    def get_pattern(self, pattern_id: str) -> m.Pattern:
        """One pattern and its evidence.

        ``GET /v1/me/patterns/{pattern_id}``
        """
        return _cast(
            m.Pattern,
            self._call("GET", f"/v1/me/patterns/{_segment(pattern_id)}", answer=m.Pattern),
        )

    def dismiss_pattern(self, pattern_id: str) -> m.Pattern:
        """Dismiss a pattern: no longer shown as active, nor used to time notifications.

        ``POST /v1/me/patterns/{pattern_id}/dismiss``
        """
        return _cast(
            m.Pattern,
            self._call("POST", f"/v1/me/patterns/{_segment(pattern_id)}/dismiss", answer=m.Pattern),
        )

    def restore_pattern(self, pattern_id: str) -> m.Pattern:
        """Take a dismissed pattern back.

        ``POST /v1/me/patterns/{pattern_id}/restore``
        """
        return _cast(
            m.Pattern,
            self._call("POST", f"/v1/me/patterns/{_segment(pattern_id)}/restore", answer=m.Pattern),
        )

    def get_preferences(self) -> m.Preferences:
        """The full preferences object.

        ``GET /v1/me/preferences``
        """
        return _cast(m.Preferences, self._call("GET", "/v1/me/preferences", answer=m.Preferences))

    def patch_preferences(self, body: dict[str, Any] | Mapping[str, Any]) -> m.Preferences:
        """Change preferences (JSON Merge Patch, RFC 7396).

        ``PATCH /v1/me/preferences``
        """
        return _cast(
            m.Preferences,
            self._call("PATCH", "/v1/me/preferences", json=body, answer=m.Preferences),
        )

    def get_presence(self) -> m.Presence:
        """Online status.

        ``GET /v1/me/presence``
        """
        return _cast(m.Presence, self._call("GET", "/v1/me/presence", answer=m.Presence))

    def put_presence(self, body: m.PresenceUpdate | Mapping[str, Any]) -> m.Presence:
        """Report online status (heartbeat).

        ``PUT /v1/me/presence``
        """
        return _cast(m.Presence, self._call("PUT", "/v1/me/presence", json=body, answer=m.Presence))


class AsyncMeResource(AsyncResource):
    """``/v1/me``"""

    async def get(self) -> m.User:
        """The signed-in user.

        ``GET /v1/me``
        """
        return _cast(m.User, await self._call("GET", "/v1/me", answer=m.User))

    async def erase(self) -> m.ErasureStatus:
        """Erase your account and all your data everywhere (GDPR Art. 17).

        ``DELETE /v1/me``
        """
        return _cast(m.ErasureStatus, await self._call("DELETE", "/v1/me", answer=m.ErasureStatus))

    async def patch(self, body: m.UserPatch | Mapping[str, Any]) -> m.User:
        """Change profile fields.

        ``PATCH /v1/me``
        """
        return _cast(m.User, await self._call("PATCH", "/v1/me", json=body, answer=m.User))

    async def list_keys(self) -> m.ApiKeyList:
        """List API keys (without secrets).

        ``GET /v1/me/api-keys``
        """
        return _cast(m.ApiKeyList, await self._call("GET", "/v1/me/api-keys", answer=m.ApiKeyList))

    async def create_key(self, body: m.ApiKeyCreate | Mapping[str, Any]) -> m.ApiKeyCreated:
        """Create an API key (shown once).

        ``POST /v1/me/api-keys``
        """
        return _cast(
            m.ApiKeyCreated,
            await self._call("POST", "/v1/me/api-keys", json=body, answer=m.ApiKeyCreated),
        )

    async def revoke_key(self, key_id: str) -> None:
        """Revoke an API key.

        ``DELETE /v1/me/api-keys/{key_id}``
        """
        await self._call("DELETE", f"/v1/me/api-keys/{_segment(key_id)}")

    def audit_log(
        self,
        *,
        limit: int | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        action: str | None = None,
    ) -> AsyncPaginator[m.AuditEntry]:
        """Security events and changes to contacts, interactions and connections, newest first.

        ``GET /v1/me/audit-log``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/me/audit-log",
            params={
                "limit": limit,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "action": action,
            },
            page=m.AuditPage,
        )

    def list_connections(self, *, limit: int | None = None) -> AsyncPaginator[m.OAuthConnection]:
        """The MCP and OAuth clients you authorized, newest first.

        ``GET /v1/me/connections``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET", "/v1/me/connections", params={"limit": limit}, page=m.OAuthConnectionPage
        )

    async def revoke_connection(self, client_id: str) -> None:
        """Disconnect a client: its refresh tokens end and its access tokens stop working.

        ``DELETE /v1/me/connections/{client_id}``
        """
        await self._call("DELETE", f"/v1/me/connections/{_segment(client_id)}")

    async def erasure_status(self, erasure_id: str) -> m.ErasureStatus:
        """Progress of an erasure.

        ``GET /v1/me/erasure/{erasure_id}``
        """
        return _cast(
            m.ErasureStatus,
            await self._call(
                "GET", f"/v1/me/erasure/{_segment(erasure_id)}", answer=m.ErasureStatus
            ),
        )

    async def export(self) -> m.ExportArchive:
        """Download everything Muninn holds about you (GDPR Art. 20).

        ``POST /v1/me/export``
        """
        return _cast(
            m.ExportArchive, await self._call("POST", "/v1/me/export", answer=m.ExportArchive)
        )

    def list_patterns(
        self,
        *,
        status: Literal["active", "dismissed"] | None = None,
        pattern_type: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Pattern]:
        """Your patterns, newest first, each with its evidence.

        ``GET /v1/me/patterns``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/me/patterns",
            params={"status": status, "pattern_type": pattern_type, "limit": limit},
            page=m.PatternPage,
        )

    async def learn_patterns(self) -> m.LearningReport:
        """Learn your patterns now (with an LLM configured, also from your memories).

        ``POST /v1/me/patterns/learn``
        """
        return _cast(
            m.LearningReport,
            await self._call("POST", "/v1/me/patterns/learn", answer=m.LearningReport),
        )

    async def get_pattern(self, pattern_id: str) -> m.Pattern:
        """One pattern and its evidence.

        ``GET /v1/me/patterns/{pattern_id}``
        """
        return _cast(
            m.Pattern,
            await self._call("GET", f"/v1/me/patterns/{_segment(pattern_id)}", answer=m.Pattern),
        )

    async def dismiss_pattern(self, pattern_id: str) -> m.Pattern:
        """Dismiss a pattern: no longer shown as active, nor used to time notifications.

        ``POST /v1/me/patterns/{pattern_id}/dismiss``
        """
        return _cast(
            m.Pattern,
            await self._call(
                "POST", f"/v1/me/patterns/{_segment(pattern_id)}/dismiss", answer=m.Pattern
            ),
        )

    async def restore_pattern(self, pattern_id: str) -> m.Pattern:
        """Take a dismissed pattern back.

        ``POST /v1/me/patterns/{pattern_id}/restore``
        """
        return _cast(
            m.Pattern,
            await self._call(
                "POST", f"/v1/me/patterns/{_segment(pattern_id)}/restore", answer=m.Pattern
            ),
        )

    async def get_preferences(self) -> m.Preferences:
        """The full preferences object.

        ``GET /v1/me/preferences``
        """
        return _cast(
            m.Preferences, await self._call("GET", "/v1/me/preferences", answer=m.Preferences)
        )

    async def patch_preferences(self, body: dict[str, Any] | Mapping[str, Any]) -> m.Preferences:
        """Change preferences (JSON Merge Patch, RFC 7396).

        ``PATCH /v1/me/preferences``
        """
        return _cast(
            m.Preferences,
            await self._call("PATCH", "/v1/me/preferences", json=body, answer=m.Preferences),
        )

    async def get_presence(self) -> m.Presence:
        """Online status.

        ``GET /v1/me/presence``
        """
        return _cast(m.Presence, await self._call("GET", "/v1/me/presence", answer=m.Presence))

    async def put_presence(self, body: m.PresenceUpdate | Mapping[str, Any]) -> m.Presence:
        """Report online status (heartbeat).

        ``PUT /v1/me/presence``
        """
        return _cast(
            m.Presence, await self._call("PUT", "/v1/me/presence", json=body, answer=m.Presence)
        )


class MemoriesResource(SyncResource):
    """``/v1/memories``"""

    def list(
        self,
        *,
        type: builtins.list[
            Literal[
                "conversation",
                "task_completion",
                "preference_learned",
                "context_switch",
                "personal_info",
                "experience_review",
                "goal_setting",
                "relationship_info",
                "calendar_event",
                "email",
            ]
        ]
        | None = None,
        context: str | None = None,
        min_importance: int | None = None,
        max_importance: int | None = None,
        after: _dt.datetime | None = None,
        before: _dt.datetime | None = None,
        entity: builtins.list[str] | None = None,
        source: Literal["api", "conversation", "integration", "document"] | None = None,
        tag: builtins.list[str] | None = None,
        tag_match: Literal["all", "any"] | None = None,
        contact_id: str | None = None,
        status: Literal["active", "superseded", "deleted", "all"] | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Memory]:
        """List memories, newest first, with filters.

        ``GET /v1/memories``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/memories",
            params={
                "type": type,
                "context": context,
                "min_importance": min_importance,
                "max_importance": max_importance,
                "after": after,
                "before": before,
                "entity": entity,
                "source": source,
                "tag": tag,
                "tag_match": tag_match,
                "contact_id": contact_id,
                "status": status,
                "limit": limit,
            },
            page=m.MemoryPage,
        )

    def create(
        self, body: m.MemoryCreate | Mapping[str, Any], *, wait: bool | None = None
    ) -> m.Job:
        """Remember a memory or messages (202 with a job at once; wait=true answers when stored).

        ``POST /v1/memories``
        """
        return _cast(
            m.Job,
            self._call("POST", "/v1/memories", params={"wait": wait}, json=body, answer=m.Job),
        )

    def bulk_delete(self, body: m.BulkDeleteRequest | Mapping[str, Any]) -> m.BulkDeleteResult:
        """Delete the memories matching a filter.

        ``POST /v1/memories/bulk-delete``
        """
        return _cast(
            m.BulkDeleteResult,
            self._call("POST", "/v1/memories/bulk-delete", json=body, answer=m.BulkDeleteResult),
        )

    def export(self) -> m.MemoryExport:
        """Every memory, version, change, entity, document and summary of the caller.

        ``GET /v1/memories/export``
        """
        return _cast(
            m.MemoryExport, self._call("GET", "/v1/memories/export", answer=m.MemoryExport)
        )

    def get_job(self, job_id: str) -> m.Job:
        """An ingestion job's status and outcome.

        ``GET /v1/memories/jobs/{job_id}``
        """
        return _cast(
            m.Job, self._call("GET", f"/v1/memories/jobs/{_segment(job_id)}", answer=m.Job)
        )

    def retry_job(self, job_id: str) -> m.Job:
        """Queue a failed job again.

        ``POST /v1/memories/jobs/{job_id}/retry``
        """
        return _cast(
            m.Job, self._call("POST", f"/v1/memories/jobs/{_segment(job_id)}/retry", answer=m.Job)
        )

    def search(self, body: m.SearchRequest | Mapping[str, Any]) -> m.SearchResponse:
        """Hybrid search over the caller's memories and documents.

        ``POST /v1/memories/search``
        """
        return _cast(
            m.SearchResponse,
            self._call("POST", "/v1/memories/search", json=body, answer=m.SearchResponse),
        )

    def list_summaries(
        self,
        *,
        period: Literal["week", "month", "quarter", "year"] | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Summary]:
        """Summaries, most recent period first.

        ``GET /v1/memories/summaries``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/memories/summaries",
            params={"period": period, "limit": limit},
            page=m.SummaryPage,
        )

    def generate_summary(self, body: m.SummaryRequest | Mapping[str, Any]) -> m.Summary:
        """Summarise a week or month now (replaces that period's summary).

        ``POST /v1/memories/summaries``
        """
        return _cast(
            m.Summary, self._call("POST", "/v1/memories/summaries", json=body, answer=m.Summary)
        )

    def get_summary(self, summary_id: str) -> m.Summary:
        """One summary.

        ``GET /v1/memories/summaries/{summary_id}``
        """
        return _cast(
            m.Summary,
            self._call("GET", f"/v1/memories/summaries/{_segment(summary_id)}", answer=m.Summary),
        )

    def get(self, memory_id: str) -> m.MemoryDetail:
        """One memory, with its strongest relations.

        ``GET /v1/memories/{memory_id}``
        """
        return _cast(
            m.MemoryDetail,
            self._call("GET", f"/v1/memories/{_segment(memory_id)}", answer=m.MemoryDetail),
        )

    def delete(self, memory_id: str, *, purge: bool | None = None) -> None:
        """Delete a memory (purge=true also erases its history).

        ``DELETE /v1/memories/{memory_id}``
        """
        self._call("DELETE", f"/v1/memories/{_segment(memory_id)}", params={"purge": purge})

    def patch(self, memory_id: str, body: m.MemoryPatch | Mapping[str, Any]) -> m.Memory:
        """Edit a memory (the change is kept in its history).

        ``PATCH /v1/memories/{memory_id}``
        """
        return _cast(
            m.Memory,
            self._call("PATCH", f"/v1/memories/{_segment(memory_id)}", json=body, answer=m.Memory),
        )

    def history(self, memory_id: str) -> m.MemoryHistory:
        """Why a memory exists and every change to it.

        ``GET /v1/memories/{memory_id}/history``
        """
        return _cast(
            m.MemoryHistory,
            self._call(
                "GET", f"/v1/memories/{_segment(memory_id)}/history", answer=m.MemoryHistory
            ),
        )

    def list_relations(
        self,
        memory_id: str,
        *,
        type: builtins.list[
            Literal["related", "contradicts", "updates", "follows_from", "supports", "part_of"]
        ]
        | None = None,
        limit: int | None = None,
    ) -> m.MemoryRelations:
        """A memory's relations: inferred and made by the user, strongest first.

        ``GET /v1/memories/{memory_id}/relations``
        """
        return _cast(
            m.MemoryRelations,
            self._call(
                "GET",
                f"/v1/memories/{_segment(memory_id)}/relations",
                params={"type": type, "limit": limit},
                answer=m.MemoryRelations,
            ),
        )

    def add_relation(
        self, memory_id: str, body: m.RelationCreate | Mapping[str, Any]
    ) -> m.MemoryRelation:
        """Relate a memory to another one.

        ``POST /v1/memories/{memory_id}/relations``
        """
        return _cast(
            m.MemoryRelation,
            self._call(
                "POST",
                f"/v1/memories/{_segment(memory_id)}/relations",
                json=body,
                answer=m.MemoryRelation,
            ),
        )

    def remove_relation(self, memory_id: str, relation_id: str) -> None:
        """Remove a relation (an inferred one is no longer inferred).

        ``DELETE /v1/memories/{memory_id}/relations/{relation_id}``
        """
        self._call(
            "DELETE", f"/v1/memories/{_segment(memory_id)}/relations/{_segment(relation_id)}"
        )


class AsyncMemoriesResource(AsyncResource):
    """``/v1/memories``"""

    def list(
        self,
        *,
        type: builtins.list[
            Literal[
                "conversation",
                "task_completion",
                "preference_learned",
                "context_switch",
                "personal_info",
                "experience_review",
                "goal_setting",
                "relationship_info",
                "calendar_event",
                "email",
            ]
        ]
        | None = None,
        context: str | None = None,
        min_importance: int | None = None,
        max_importance: int | None = None,
        after: _dt.datetime | None = None,
        before: _dt.datetime | None = None,
        entity: builtins.list[str] | None = None,
        source: Literal["api", "conversation", "integration", "document"] | None = None,
        tag: builtins.list[str] | None = None,
        tag_match: Literal["all", "any"] | None = None,
        contact_id: str | None = None,
        status: Literal["active", "superseded", "deleted", "all"] | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Memory]:
        """List memories, newest first, with filters.

        ``GET /v1/memories``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/memories",
            params={
                "type": type,
                "context": context,
                "min_importance": min_importance,
                "max_importance": max_importance,
                "after": after,
                "before": before,
                "entity": entity,
                "source": source,
                "tag": tag,
                "tag_match": tag_match,
                "contact_id": contact_id,
                "status": status,
                "limit": limit,
            },
            page=m.MemoryPage,
        )

    async def create(
        self, body: m.MemoryCreate | Mapping[str, Any], *, wait: bool | None = None
    ) -> m.Job:
        """Remember a memory or messages (202 with a job at once; wait=true answers when stored).

        ``POST /v1/memories``
        """
        return _cast(
            m.Job,
            await self._call(
                "POST", "/v1/memories", params={"wait": wait}, json=body, answer=m.Job
            ),
        )

    async def bulk_delete(
        self, body: m.BulkDeleteRequest | Mapping[str, Any]
    ) -> m.BulkDeleteResult:
        """Delete the memories matching a filter.

        ``POST /v1/memories/bulk-delete``
        """
        return _cast(
            m.BulkDeleteResult,
            await self._call(
                "POST", "/v1/memories/bulk-delete", json=body, answer=m.BulkDeleteResult
            ),
        )

    async def export(self) -> m.MemoryExport:
        """Every memory, version, change, entity, document and summary of the caller.

        ``GET /v1/memories/export``
        """
        return _cast(
            m.MemoryExport, await self._call("GET", "/v1/memories/export", answer=m.MemoryExport)
        )

    async def get_job(self, job_id: str) -> m.Job:
        """An ingestion job's status and outcome.

        ``GET /v1/memories/jobs/{job_id}``
        """
        return _cast(
            m.Job, await self._call("GET", f"/v1/memories/jobs/{_segment(job_id)}", answer=m.Job)
        )

    async def retry_job(self, job_id: str) -> m.Job:
        """Queue a failed job again.

        ``POST /v1/memories/jobs/{job_id}/retry``
        """
        return _cast(
            m.Job,
            await self._call("POST", f"/v1/memories/jobs/{_segment(job_id)}/retry", answer=m.Job),
        )

    async def search(self, body: m.SearchRequest | Mapping[str, Any]) -> m.SearchResponse:
        """Hybrid search over the caller's memories and documents.

        ``POST /v1/memories/search``
        """
        return _cast(
            m.SearchResponse,
            await self._call("POST", "/v1/memories/search", json=body, answer=m.SearchResponse),
        )

    def list_summaries(
        self,
        *,
        period: Literal["week", "month", "quarter", "year"] | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Summary]:
        """Summaries, most recent period first.

        ``GET /v1/memories/summaries``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/memories/summaries",
            params={"period": period, "limit": limit},
            page=m.SummaryPage,
        )

    async def generate_summary(self, body: m.SummaryRequest | Mapping[str, Any]) -> m.Summary:
        """Summarise a week or month now (replaces that period's summary).

        ``POST /v1/memories/summaries``
        """
        return _cast(
            m.Summary,
            await self._call("POST", "/v1/memories/summaries", json=body, answer=m.Summary),
        )

    async def get_summary(self, summary_id: str) -> m.Summary:
        """One summary.

        ``GET /v1/memories/summaries/{summary_id}``
        """
        return _cast(
            m.Summary,
            await self._call(
                "GET", f"/v1/memories/summaries/{_segment(summary_id)}", answer=m.Summary
            ),
        )

    async def get(self, memory_id: str) -> m.MemoryDetail:
        """One memory, with its strongest relations.

        ``GET /v1/memories/{memory_id}``
        """
        return _cast(
            m.MemoryDetail,
            await self._call("GET", f"/v1/memories/{_segment(memory_id)}", answer=m.MemoryDetail),
        )

    async def delete(self, memory_id: str, *, purge: bool | None = None) -> None:
        """Delete a memory (purge=true also erases its history).

        ``DELETE /v1/memories/{memory_id}``
        """
        await self._call("DELETE", f"/v1/memories/{_segment(memory_id)}", params={"purge": purge})

    async def patch(self, memory_id: str, body: m.MemoryPatch | Mapping[str, Any]) -> m.Memory:
        """Edit a memory (the change is kept in its history).

        ``PATCH /v1/memories/{memory_id}``
        """
        return _cast(
            m.Memory,
            await self._call(
                "PATCH", f"/v1/memories/{_segment(memory_id)}", json=body, answer=m.Memory
            ),
        )

    async def history(self, memory_id: str) -> m.MemoryHistory:
        """Why a memory exists and every change to it.

        ``GET /v1/memories/{memory_id}/history``
        """
        return _cast(
            m.MemoryHistory,
            await self._call(
                "GET", f"/v1/memories/{_segment(memory_id)}/history", answer=m.MemoryHistory
            ),
        )

    async def list_relations(
        self,
        memory_id: str,
        *,
        type: builtins.list[
            Literal["related", "contradicts", "updates", "follows_from", "supports", "part_of"]
        ]
        | None = None,
        limit: int | None = None,
    ) -> m.MemoryRelations:
        """A memory's relations: inferred and made by the user, strongest first.

        ``GET /v1/memories/{memory_id}/relations``
        """
        return _cast(
            m.MemoryRelations,
            await self._call(
                "GET",
                f"/v1/memories/{_segment(memory_id)}/relations",
                params={"type": type, "limit": limit},
                answer=m.MemoryRelations,
            ),
        )

    async def add_relation(
        self, memory_id: str, body: m.RelationCreate | Mapping[str, Any]
    ) -> m.MemoryRelation:
        """Relate a memory to another one.

        ``POST /v1/memories/{memory_id}/relations``
        """
        return _cast(
            m.MemoryRelation,
            await self._call(
                "POST",
                f"/v1/memories/{_segment(memory_id)}/relations",
                json=body,
                answer=m.MemoryRelation,
            ),
        )

    async def remove_relation(self, memory_id: str, relation_id: str) -> None:
        """Remove a relation (an inferred one is no longer inferred).

        ``DELETE /v1/memories/{memory_id}/relations/{relation_id}``
        """
        await self._call(
            "DELETE", f"/v1/memories/{_segment(memory_id)}/relations/{_segment(relation_id)}"
        )


class ModelsResource(SyncResource):
    """``/v1/models``"""

    def list(self) -> m.ModelList:
        """Models this server can answer with (OpenAI format).

        ``GET /v1/models``
        """
        return _cast(m.ModelList, self._call("GET", "/v1/models", answer=m.ModelList))


class AsyncModelsResource(AsyncResource):
    """``/v1/models``"""

    async def list(self) -> m.ModelList:
        """Models this server can answer with (OpenAI format).

        ``GET /v1/models``
        """
        return _cast(m.ModelList, await self._call("GET", "/v1/models", answer=m.ModelList))


class NotesResource(SyncResource):
    """``/v1/notes``"""

    def list(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        pinned: bool | None = None,
        archived: bool | None = None,
        project_id: str | None = None,
        tag: str | None = None,
    ) -> Paginator[m.Note]:
        """Your notes, most recently changed first; with q, best matches first.

        ``GET /v1/notes``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/notes",
            params={
                "limit": limit,
                "q": q,
                "pinned": pinned,
                "archived": archived,
                "project_id": project_id,
                "tag": tag,
            },
            page=m.NotePage,
        )

    def create(self, body: m.NoteCreate | Mapping[str, Any]) -> m.Note:
        """Write a note, or keep a message as one.

        ``POST /v1/notes``
        """
        return _cast(m.Note, self._call("POST", "/v1/notes", json=body, answer=m.Note))

    def get(self, note_id: str) -> m.Note:
        """Get.

        ``GET /v1/notes/{note_id}``
        """
        return _cast(m.Note, self._call("GET", f"/v1/notes/{_segment(note_id)}", answer=m.Note))

    def delete(self, note_id: str) -> None:
        """Delete.

        ``DELETE /v1/notes/{note_id}``
        """
        self._call("DELETE", f"/v1/notes/{_segment(note_id)}")

    def patch(self, note_id: str, body: m.NotePatch | Mapping[str, Any]) -> m.Note:
        """Edit, pin, archive, move to a project, retag.

        ``PATCH /v1/notes/{note_id}``
        """
        return _cast(
            m.Note, self._call("PATCH", f"/v1/notes/{_segment(note_id)}", json=body, answer=m.Note)
        )

    def tag(self, note_id: str, tag: str) -> m.ItemTags:
        """Tag a note.

        ``PUT /v1/notes/{note_id}/tags/{tag}``
        """
        return _cast(
            m.ItemTags,
            self._call(
                "PUT", f"/v1/notes/{_segment(note_id)}/tags/{_segment(tag)}", answer=m.ItemTags
            ),
        )

    def untag(self, note_id: str, tag: str) -> None:
        """Untag a note.

        ``DELETE /v1/notes/{note_id}/tags/{tag}``
        """
        self._call("DELETE", f"/v1/notes/{_segment(note_id)}/tags/{_segment(tag)}")


class AsyncNotesResource(AsyncResource):
    """``/v1/notes``"""

    def list(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        pinned: bool | None = None,
        archived: bool | None = None,
        project_id: str | None = None,
        tag: str | None = None,
    ) -> AsyncPaginator[m.Note]:
        """Your notes, most recently changed first; with q, best matches first.

        ``GET /v1/notes``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/notes",
            params={
                "limit": limit,
                "q": q,
                "pinned": pinned,
                "archived": archived,
                "project_id": project_id,
                "tag": tag,
            },
            page=m.NotePage,
        )

    async def create(self, body: m.NoteCreate | Mapping[str, Any]) -> m.Note:
        """Write a note, or keep a message as one.

        ``POST /v1/notes``
        """
        return _cast(m.Note, await self._call("POST", "/v1/notes", json=body, answer=m.Note))

    async def get(self, note_id: str) -> m.Note:
        """Get.

        ``GET /v1/notes/{note_id}``
        """
        return _cast(
            m.Note, await self._call("GET", f"/v1/notes/{_segment(note_id)}", answer=m.Note)
        )

    async def delete(self, note_id: str) -> None:
        """Delete.

        ``DELETE /v1/notes/{note_id}``
        """
        await self._call("DELETE", f"/v1/notes/{_segment(note_id)}")

    async def patch(self, note_id: str, body: m.NotePatch | Mapping[str, Any]) -> m.Note:
        """Edit, pin, archive, move to a project, retag.

        ``PATCH /v1/notes/{note_id}``
        """
        return _cast(
            m.Note,
            await self._call("PATCH", f"/v1/notes/{_segment(note_id)}", json=body, answer=m.Note),
        )

    async def tag(self, note_id: str, tag: str) -> m.ItemTags:
        """Tag a note.

        ``PUT /v1/notes/{note_id}/tags/{tag}``
        """
        return _cast(
            m.ItemTags,
            await self._call(
                "PUT", f"/v1/notes/{_segment(note_id)}/tags/{_segment(tag)}", answer=m.ItemTags
            ),
        )

    async def untag(self, note_id: str, tag: str) -> None:
        """Untag a note.

        ``DELETE /v1/notes/{note_id}/tags/{tag}``
        """
        await self._call("DELETE", f"/v1/notes/{_segment(note_id)}/tags/{_segment(tag)}")


class NotificationsResource(SyncResource):
    """``/v1/notifications``"""

    def list(
        self,
        *,
        status: Literal["scheduled", "unread", "read", "dismissed", "acted_upon"] | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Notification]:
        """Delivered notifications, newest first.

        ``GET /v1/notifications``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/notifications",
            params={"status": status, "kind": kind, "limit": limit},
            page=m.NotificationPage,
        )

    def get_channels(self) -> m.ChannelSettings:
        """How notifications reach you.

        ``GET /v1/notifications/channels``
        """
        return _cast(
            m.ChannelSettings,
            self._call("GET", "/v1/notifications/channels", answer=m.ChannelSettings),
        )

    def put_channels(self, body: m.ChannelSettingsIn | Mapping[str, Any]) -> m.ChannelSettings:
        """Set channels (the webhook secret is shown once).

        ``PUT /v1/notifications/channels``
        """
        return _cast(
            m.ChannelSettings,
            self._call("PUT", "/v1/notifications/channels", json=body, answer=m.ChannelSettings),
        )

    def confirm_email(self, body: m.EmailConfirmation | Mapping[str, Any]) -> m.ChannelSettings:
        """Confirm the e-mail address with the token sent to it.

        ``POST /v1/notifications/channels/email/confirm``
        """
        return _cast(
            m.ChannelSettings,
            self._call(
                "POST",
                "/v1/notifications/channels/email/confirm",
                json=body,
                answer=m.ChannelSettings,
            ),
        )

    def get_nudge_settings(self) -> m.NudgeSettings:
        """Your nudge settings.

        ``GET /v1/notifications/nudges``
        """
        return _cast(
            m.NudgeSettings, self._call("GET", "/v1/notifications/nudges", answer=m.NudgeSettings)
        )

    def update_nudge_settings(self, body: m.NudgeSettingsIn | Mapping[str, Any]) -> m.NudgeSettings:
        """Turn nudges (or one kind) on or off.

        ``PATCH /v1/notifications/nudges``
        """
        return _cast(
            m.NudgeSettings,
            self._call("PATCH", "/v1/notifications/nudges", json=body, answer=m.NudgeSettings),
        )

    def nudge_contacts(self, *, going_cold: bool | None = None) -> m.TrackedContactList:
        """Contacts we watch: birthday, usual rhythm, going cold?.

        ``GET /v1/notifications/nudges/contacts``
        """
        return _cast(
            m.TrackedContactList,
            self._call(
                "GET",
                "/v1/notifications/nudges/contacts",
                params={"going_cold": going_cold},
                answer=m.TrackedContactList,
            ),
        )

    def update_nudge_contact(
        self, contact_id: str, body: m.ContactNudgeIn | Mapping[str, Any]
    ) -> m.TrackedContact:
        """Opt a contact out of nudges, or snooze them.

        ``PATCH /v1/notifications/nudges/contacts/{contact_id}``
        """
        return _cast(
            m.TrackedContact,
            self._call(
                "PATCH",
                f"/v1/notifications/nudges/contacts/{_segment(contact_id)}",
                json=body,
                answer=m.TrackedContact,
            ),
        )

    def snooze_nudges(self, body: m.SnoozeIn | Mapping[str, Any]) -> m.NudgeSettings:
        """Pause all nudges for a while.

        ``POST /v1/notifications/nudges/snooze``
        """
        return _cast(
            m.NudgeSettings,
            self._call(
                "POST", "/v1/notifications/nudges/snooze", json=body, answer=m.NudgeSettings
            ),
        )

    def unsnooze_nudges(self) -> m.NudgeSettings:
        """Resume nudges now.

        ``DELETE /v1/notifications/nudges/snooze``
        """
        return _cast(
            m.NudgeSettings,
            self._call("DELETE", "/v1/notifications/nudges/snooze", answer=m.NudgeSettings),
        )

    def scheduled(self) -> builtins.list[m.Notification]:
        """Notifications waiting (quiet hours, rate limit).

        ``GET /v1/notifications/scheduled``
        """
        return _cast(
            builtins.list[m.Notification],
            self._call("GET", "/v1/notifications/scheduled", answer=builtins.list[m.Notification]),
        )

    def get(self, notification_id: str) -> m.Notification:
        """One notification, with per-channel delivery state.

        ``GET /v1/notifications/{notification_id}``
        """
        return _cast(
            m.Notification,
            self._call(
                "GET", f"/v1/notifications/{_segment(notification_id)}", answer=m.Notification
            ),
        )

    def change_status(
        self, notification_id: str, body: m.StatusChange | Mapping[str, Any]
    ) -> m.Notification:
        """Mark read, dismissed or acted upon.

        ``PATCH /v1/notifications/{notification_id}``
        """
        return _cast(
            m.Notification,
            self._call(
                "PATCH",
                f"/v1/notifications/{_segment(notification_id)}",
                json=body,
                answer=m.Notification,
            ),
        )


class AsyncNotificationsResource(AsyncResource):
    """``/v1/notifications``"""

    def list(
        self,
        *,
        status: Literal["scheduled", "unread", "read", "dismissed", "acted_upon"] | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Notification]:
        """Delivered notifications, newest first.

        ``GET /v1/notifications``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/notifications",
            params={"status": status, "kind": kind, "limit": limit},
            page=m.NotificationPage,
        )

    async def get_channels(self) -> m.ChannelSettings:
        """How notifications reach you.

        ``GET /v1/notifications/channels``
        """
        return _cast(
            m.ChannelSettings,
            await self._call("GET", "/v1/notifications/channels", answer=m.ChannelSettings),
        )

    async def put_channels(
        self, body: m.ChannelSettingsIn | Mapping[str, Any]
    ) -> m.ChannelSettings:
        """Set channels (the webhook secret is shown once).

        ``PUT /v1/notifications/channels``
        """
        return _cast(
            m.ChannelSettings,
            await self._call(
                "PUT", "/v1/notifications/channels", json=body, answer=m.ChannelSettings
            ),
        )

    async def confirm_email(
        self, body: m.EmailConfirmation | Mapping[str, Any]
    ) -> m.ChannelSettings:
        """Confirm the e-mail address with the token sent to it.

        ``POST /v1/notifications/channels/email/confirm``
        """
        return _cast(
            m.ChannelSettings,
            await self._call(
                "POST",
                "/v1/notifications/channels/email/confirm",
                json=body,
                answer=m.ChannelSettings,
            ),
        )

    async def get_nudge_settings(self) -> m.NudgeSettings:
        """Your nudge settings.

        ``GET /v1/notifications/nudges``
        """
        return _cast(
            m.NudgeSettings,
            await self._call("GET", "/v1/notifications/nudges", answer=m.NudgeSettings),
        )

    async def update_nudge_settings(
        self, body: m.NudgeSettingsIn | Mapping[str, Any]
    ) -> m.NudgeSettings:
        """Turn nudges (or one kind) on or off.

        ``PATCH /v1/notifications/nudges``
        """
        return _cast(
            m.NudgeSettings,
            await self._call(
                "PATCH", "/v1/notifications/nudges", json=body, answer=m.NudgeSettings
            ),
        )

    async def nudge_contacts(self, *, going_cold: bool | None = None) -> m.TrackedContactList:
        """Contacts we watch: birthday, usual rhythm, going cold?.

        ``GET /v1/notifications/nudges/contacts``
        """
        return _cast(
            m.TrackedContactList,
            await self._call(
                "GET",
                "/v1/notifications/nudges/contacts",
                params={"going_cold": going_cold},
                answer=m.TrackedContactList,
            ),
        )

    async def update_nudge_contact(
        self, contact_id: str, body: m.ContactNudgeIn | Mapping[str, Any]
    ) -> m.TrackedContact:
        """Opt a contact out of nudges, or snooze them.

        ``PATCH /v1/notifications/nudges/contacts/{contact_id}``
        """
        return _cast(
            m.TrackedContact,
            await self._call(
                "PATCH",
                f"/v1/notifications/nudges/contacts/{_segment(contact_id)}",
                json=body,
                answer=m.TrackedContact,
            ),
        )

    async def snooze_nudges(self, body: m.SnoozeIn | Mapping[str, Any]) -> m.NudgeSettings:
        """Pause all nudges for a while.

        ``POST /v1/notifications/nudges/snooze``
        """
        return _cast(
            m.NudgeSettings,
            await self._call(
                "POST", "/v1/notifications/nudges/snooze", json=body, answer=m.NudgeSettings
            ),
        )

    async def unsnooze_nudges(self) -> m.NudgeSettings:
        """Resume nudges now.

        ``DELETE /v1/notifications/nudges/snooze``
        """
        return _cast(
            m.NudgeSettings,
            await self._call("DELETE", "/v1/notifications/nudges/snooze", answer=m.NudgeSettings),
        )

    async def scheduled(self) -> builtins.list[m.Notification]:
        """Notifications waiting (quiet hours, rate limit).

        ``GET /v1/notifications/scheduled``
        """
        return _cast(
            builtins.list[m.Notification],
            await self._call(
                "GET", "/v1/notifications/scheduled", answer=builtins.list[m.Notification]
            ),
        )

    async def get(self, notification_id: str) -> m.Notification:
        """One notification, with per-channel delivery state.

        ``GET /v1/notifications/{notification_id}``
        """
        return _cast(
            m.Notification,
            await self._call(
                "GET", f"/v1/notifications/{_segment(notification_id)}", answer=m.Notification
            ),
        )

    async def change_status(
        self, notification_id: str, body: m.StatusChange | Mapping[str, Any]
    ) -> m.Notification:
        """Mark read, dismissed or acted upon.

        ``PATCH /v1/notifications/{notification_id}``
        """
        return _cast(
            m.Notification,
            await self._call(
                "PATCH",
                f"/v1/notifications/{_segment(notification_id)}",
                json=body,
                answer=m.Notification,
            ),
        )


class PeopleResource(SyncResource):
    """``/v1/people``"""

    def at_company(self, *, company: str, limit: int | None = None) -> m.CompanyContacts:
        """Who you know at a company, closest first.

        ``GET /v1/people/at-company``
        """
        return _cast(
            m.CompanyContacts,
            self._call(
                "GET",
                "/v1/people/at-company",
                params={"company": company, "limit": limit},
                answer=m.CompanyContacts,
            ),
        )

    def clusters(
        self, *, min_strength: float | None = None, limit: int | None = None
    ) -> m.ClusterList:
        """Groups of your contacts who know each other, largest first.

        ``GET /v1/people/clusters``
        """
        return _cast(
            m.ClusterList,
            self._call(
                "GET",
                "/v1/people/clusters",
                params={"min_strength": min_strength, "limit": limit},
                answer=m.ClusterList,
            ),
        )

    def graph(
        self,
        *,
        contact_id: str,
        depth: int | None = None,
        min_strength: float | None = None,
        limit: int | None = None,
    ) -> m.Neighbourhood:
        """A contact's circle: who they know, up to three links away.

        ``GET /v1/people/graph``
        """
        return _cast(
            m.Neighbourhood,
            self._call(
                "GET",
                "/v1/people/graph",
                params={
                    "contact_id": contact_id,
                    "depth": depth,
                    "min_strength": min_strength,
                    "limit": limit,
                },
                answer=m.Neighbourhood,
            ),
        )

    def path(self, *, to: str, from_: str | None = None) -> m.ConnectionPath:
        """How you are connected to someone: the strongest chain of up to four links.

        ``GET /v1/people/path``
        """
        return _cast(
            m.ConnectionPath,
            self._call(
                "GET", "/v1/people/path", params={"to": to, "from": from_}, answer=m.ConnectionPath
            ),
        )

    def search(self, *, q: str, limit: int | None = None) -> m.PeopleSearchResponse:
        """Contacts whose cards, interactions and memories match a question.

        ``GET /v1/people/search``
        """
        return _cast(
            m.PeopleSearchResponse,
            self._call(
                "GET",
                "/v1/people/search",
                params={"q": q, "limit": limit},
                answer=m.PeopleSearchResponse,
            ),
        )

    def ties(self, *, limit: int | None = None) -> m.TieList:
        """The strongest ties among your contacts.

        ``GET /v1/people/ties``
        """
        return _cast(
            m.TieList,
            self._call("GET", "/v1/people/ties", params={"limit": limit}, answer=m.TieList),
        )


class AsyncPeopleResource(AsyncResource):
    """``/v1/people``"""

    async def at_company(self, *, company: str, limit: int | None = None) -> m.CompanyContacts:
        """Who you know at a company, closest first.

        ``GET /v1/people/at-company``
        """
        return _cast(
            m.CompanyContacts,
            await self._call(
                "GET",
                "/v1/people/at-company",
                params={"company": company, "limit": limit},
                answer=m.CompanyContacts,
            ),
        )

    async def clusters(
        self, *, min_strength: float | None = None, limit: int | None = None
    ) -> m.ClusterList:
        """Groups of your contacts who know each other, largest first.

        ``GET /v1/people/clusters``
        """
        return _cast(
            m.ClusterList,
            await self._call(
                "GET",
                "/v1/people/clusters",
                params={"min_strength": min_strength, "limit": limit},
                answer=m.ClusterList,
            ),
        )

    async def graph(
        self,
        *,
        contact_id: str,
        depth: int | None = None,
        min_strength: float | None = None,
        limit: int | None = None,
    ) -> m.Neighbourhood:
        """A contact's circle: who they know, up to three links away.

        ``GET /v1/people/graph``
        """
        return _cast(
            m.Neighbourhood,
            await self._call(
                "GET",
                "/v1/people/graph",
                params={
                    "contact_id": contact_id,
                    "depth": depth,
                    "min_strength": min_strength,
                    "limit": limit,
                },
                answer=m.Neighbourhood,
            ),
        )

    async def path(self, *, to: str, from_: str | None = None) -> m.ConnectionPath:
        """How you are connected to someone: the strongest chain of up to four links.

        ``GET /v1/people/path``
        """
        return _cast(
            m.ConnectionPath,
            await self._call(
                "GET", "/v1/people/path", params={"to": to, "from": from_}, answer=m.ConnectionPath
            ),
        )

    async def search(self, *, q: str, limit: int | None = None) -> m.PeopleSearchResponse:
        """Contacts whose cards, interactions and memories match a question.

        ``GET /v1/people/search``
        """
        return _cast(
            m.PeopleSearchResponse,
            await self._call(
                "GET",
                "/v1/people/search",
                params={"q": q, "limit": limit},
                answer=m.PeopleSearchResponse,
            ),
        )

    async def ties(self, *, limit: int | None = None) -> m.TieList:
        """The strongest ties among your contacts.

        ``GET /v1/people/ties``
        """
        return _cast(
            m.TieList,
            await self._call("GET", "/v1/people/ties", params={"limit": limit}, answer=m.TieList),
        )


class ProjectsResource(SyncResource):
    """``/v1/projects``"""

    def list(
        self, *, limit: int | None = None, archived: bool | None = None, q: str | None = None
    ) -> Paginator[m.Project]:
        """Your projects, most recently changed first.

        ``GET /v1/projects``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/projects",
            params={"limit": limit, "archived": archived, "q": q},
            page=m.ProjectPage,
        )

    def create(self, body: m.ProjectCreate | Mapping[str, Any]) -> m.Project:
        """Create a project.

        ``POST /v1/projects``
        """
        return _cast(m.Project, self._call("POST", "/v1/projects", json=body, answer=m.Project))

    def get(self, project_id: str) -> m.Project:
        """A project with counts of its conversations, notes and files.

        ``GET /v1/projects/{project_id}``
        """
        return _cast(
            m.Project, self._call("GET", f"/v1/projects/{_segment(project_id)}", answer=m.Project)
        )

    def delete(self, project_id: str) -> None:
        """Delete a project; its conversations and notes are kept, outside any project.

        ``DELETE /v1/projects/{project_id}``
        """
        self._call("DELETE", f"/v1/projects/{_segment(project_id)}")

    def patch(self, project_id: str, body: m.ProjectPatch | Mapping[str, Any]) -> m.Project:
        """Rename, describe, recolour, archive, set instructions.

        ``PATCH /v1/projects/{project_id}``
        """
        return _cast(
            m.Project,
            self._call(
                "PATCH", f"/v1/projects/{_segment(project_id)}", json=body, answer=m.Project
            ),
        )

    def contents(
        self, project_id: str, *, limit: int | None = None, include_archived: bool | None = None
    ) -> m.ProjectContents:
        """The project's conversations, notes and files.

        ``GET /v1/projects/{project_id}/contents``
        """
        return _cast(
            m.ProjectContents,
            self._call(
                "GET",
                f"/v1/projects/{_segment(project_id)}/contents",
                params={"limit": limit, "include_archived": include_archived},
                answer=m.ProjectContents,
            ),
        )

    def add_conversation(self, project_id: str, conversation_id: str) -> m.Conversation:
        """File a conversation you own under the project.

        ``PUT /v1/projects/{project_id}/conversations/{conversation_id}``
        """
        return _cast(
            m.Conversation,
            self._call(
                "PUT",
                f"/v1/projects/{_segment(project_id)}/conversations/{_segment(conversation_id)}",
                answer=m.Conversation,
            ),
        )

    def remove_conversation(self, project_id: str, conversation_id: str) -> None:
        """Take a conversation out of the project.

        ``DELETE /v1/projects/{project_id}/conversations/{conversation_id}``
        """
        self._call(
            "DELETE",
            f"/v1/projects/{_segment(project_id)}/conversations/{_segment(conversation_id)}",
        )

    def add_file(self, project_id: str, body: m.ProjectFileIn | Mapping[str, Any]) -> m.ProjectFile:
        """Add a file's metadata to the project.

        ``POST /v1/projects/{project_id}/files``
        """
        return _cast(
            m.ProjectFile,
            self._call(
                "POST",
                f"/v1/projects/{_segment(project_id)}/files",
                json=body,
                answer=m.ProjectFile,
            ),
        )

    def delete_file(self, project_id: str, file_id: str) -> None:
        """Delete File.

        ``DELETE /v1/projects/{project_id}/files/{file_id}``
        """
        self._call("DELETE", f"/v1/projects/{_segment(project_id)}/files/{_segment(file_id)}")


class AsyncProjectsResource(AsyncResource):
    """``/v1/projects``"""

    def list(
        self, *, limit: int | None = None, archived: bool | None = None, q: str | None = None
    ) -> AsyncPaginator[m.Project]:
        """Your projects, most recently changed first.

        ``GET /v1/projects``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/projects",
            params={"limit": limit, "archived": archived, "q": q},
            page=m.ProjectPage,
        )

    async def create(self, body: m.ProjectCreate | Mapping[str, Any]) -> m.Project:
        """Create a project.

        ``POST /v1/projects``
        """
        return _cast(
            m.Project, await self._call("POST", "/v1/projects", json=body, answer=m.Project)
        )

    async def get(self, project_id: str) -> m.Project:
        """A project with counts of its conversations, notes and files.

        ``GET /v1/projects/{project_id}``
        """
        return _cast(
            m.Project,
            await self._call("GET", f"/v1/projects/{_segment(project_id)}", answer=m.Project),
        )

    async def delete(self, project_id: str) -> None:
        """Delete a project; its conversations and notes are kept, outside any project.

        ``DELETE /v1/projects/{project_id}``
        """
        await self._call("DELETE", f"/v1/projects/{_segment(project_id)}")

    async def patch(self, project_id: str, body: m.ProjectPatch | Mapping[str, Any]) -> m.Project:
        """Rename, describe, recolour, archive, set instructions.

        ``PATCH /v1/projects/{project_id}``
        """
        return _cast(
            m.Project,
            await self._call(
                "PATCH", f"/v1/projects/{_segment(project_id)}", json=body, answer=m.Project
            ),
        )

    async def contents(
        self, project_id: str, *, limit: int | None = None, include_archived: bool | None = None
    ) -> m.ProjectContents:
        """The project's conversations, notes and files.

        ``GET /v1/projects/{project_id}/contents``
        """
        return _cast(
            m.ProjectContents,
            await self._call(
                "GET",
                f"/v1/projects/{_segment(project_id)}/contents",
                params={"limit": limit, "include_archived": include_archived},
                answer=m.ProjectContents,
            ),
        )

    async def add_conversation(self, project_id: str, conversation_id: str) -> m.Conversation:
        """File a conversation you own under the project.

        ``PUT /v1/projects/{project_id}/conversations/{conversation_id}``
        """
        return _cast(
            m.Conversation,
            await self._call(
                "PUT",
                f"/v1/projects/{_segment(project_id)}/conversations/{_segment(conversation_id)}",
                answer=m.Conversation,
            ),
        )

    async def remove_conversation(self, project_id: str, conversation_id: str) -> None:
        """Take a conversation out of the project.

        ``DELETE /v1/projects/{project_id}/conversations/{conversation_id}``
        """
        await self._call(
            "DELETE",
            f"/v1/projects/{_segment(project_id)}/conversations/{_segment(conversation_id)}",
        )

    async def add_file(
        self, project_id: str, body: m.ProjectFileIn | Mapping[str, Any]
    ) -> m.ProjectFile:
        """Add a file's metadata to the project.

        ``POST /v1/projects/{project_id}/files``
        """
        return _cast(
            m.ProjectFile,
            await self._call(
                "POST",
                f"/v1/projects/{_segment(project_id)}/files",
                json=body,
                answer=m.ProjectFile,
            ),
        )

    async def delete_file(self, project_id: str, file_id: str) -> None:
        """Delete File.

        ``DELETE /v1/projects/{project_id}/files/{file_id}``
        """
        await self._call("DELETE", f"/v1/projects/{_segment(project_id)}/files/{_segment(file_id)}")


class ProvidersResource(SyncResource):
    """``/v1/providers``"""

    def ratings(self, *, type: str | None = None, limit: int | None = None) -> m.ProviderRatingList:
        """Your providers, best rated first.

        ``GET /v1/providers/ratings``
        """
        return _cast(
            m.ProviderRatingList,
            self._call(
                "GET",
                "/v1/providers/ratings",
                params={"type": type, "limit": limit},
                answer=m.ProviderRatingList,
            ),
        )

    def rating(self, provider: str) -> m.ProviderRating:
        """One provider's rating (by name, case and punctuation ignored).

        ``GET /v1/providers/ratings/{provider}``
        """
        return _cast(
            m.ProviderRating,
            self._call(
                "GET", f"/v1/providers/ratings/{_segment(provider)}", answer=m.ProviderRating
            ),
        )


class AsyncProvidersResource(AsyncResource):
    """``/v1/providers``"""

    async def ratings(
        self, *, type: str | None = None, limit: int | None = None
    ) -> m.ProviderRatingList:
        """Your providers, best rated first.

        ``GET /v1/providers/ratings``
        """
        return _cast(
            m.ProviderRatingList,
            await self._call(
                "GET",
                "/v1/providers/ratings",
                params={"type": type, "limit": limit},
                answer=m.ProviderRatingList,
            ),
        )

    async def rating(self, provider: str) -> m.ProviderRating:
        """One provider's rating (by name, case and punctuation ignored).

        ``GET /v1/providers/ratings/{provider}``
        """
        return _cast(
            m.ProviderRating,
            await self._call(
                "GET", f"/v1/providers/ratings/{_segment(provider)}", answer=m.ProviderRating
            ),
        )


class RemindersResource(SyncResource):
    """``/v1/reminders``"""

    def list(
        self,
        *,
        status: Literal["active", "fired", "completed"] | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        tag: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Reminder]:
        """Your reminders, newest first.

        ``GET /v1/reminders``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/reminders",
            params={"status": status, "context": context, "tag": tag, "limit": limit},
            page=m.ReminderPage,
        )

    def create(self, body: m.ReminderIn | Mapping[str, Any]) -> m.Reminder:
        """Create a reminder.

        ``POST /v1/reminders``
        """
        return _cast(m.Reminder, self._call("POST", "/v1/reminders", json=body, answer=m.Reminder))

    def get(self, reminder_id: str) -> m.Reminder:
        """One reminder with its next occurrences.

        ``GET /v1/reminders/{reminder_id}``
        """
        return _cast(
            m.Reminder,
            self._call("GET", f"/v1/reminders/{_segment(reminder_id)}", answer=m.Reminder),
        )

    def delete(self, reminder_id: str) -> None:
        """Delete a reminder.

        ``DELETE /v1/reminders/{reminder_id}``
        """
        self._call("DELETE", f"/v1/reminders/{_segment(reminder_id)}")

    def update(self, reminder_id: str, body: m.ReminderPatch | Mapping[str, Any]) -> m.Reminder:
        """Change a reminder (time changes reschedule it).

        ``PATCH /v1/reminders/{reminder_id}``
        """
        return _cast(
            m.Reminder,
            self._call(
                "PATCH", f"/v1/reminders/{_segment(reminder_id)}", json=body, answer=m.Reminder
            ),
        )

    def complete(self, reminder_id: str) -> m.Reminder:
        """Mark done (ends a recurring series).

        ``POST /v1/reminders/{reminder_id}/complete``
        """
        return _cast(
            m.Reminder,
            self._call(
                "POST", f"/v1/reminders/{_segment(reminder_id)}/complete", answer=m.Reminder
            ),
        )

    def snooze(self, reminder_id: str, body: m.Snooze | Mapping[str, Any]) -> m.Reminder:
        """Remind me again later.

        ``POST /v1/reminders/{reminder_id}/snooze``
        """
        return _cast(
            m.Reminder,
            self._call(
                "POST",
                f"/v1/reminders/{_segment(reminder_id)}/snooze",
                json=body,
                answer=m.Reminder,
            ),
        )


class AsyncRemindersResource(AsyncResource):
    """``/v1/reminders``"""

    def list(
        self,
        *,
        status: Literal["active", "fired", "completed"] | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        tag: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Reminder]:
        """Your reminders, newest first.

        ``GET /v1/reminders``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/reminders",
            params={"status": status, "context": context, "tag": tag, "limit": limit},
            page=m.ReminderPage,
        )

    async def create(self, body: m.ReminderIn | Mapping[str, Any]) -> m.Reminder:
        """Create a reminder.

        ``POST /v1/reminders``
        """
        return _cast(
            m.Reminder, await self._call("POST", "/v1/reminders", json=body, answer=m.Reminder)
        )

    async def get(self, reminder_id: str) -> m.Reminder:
        """One reminder with its next occurrences.

        ``GET /v1/reminders/{reminder_id}``
        """
        return _cast(
            m.Reminder,
            await self._call("GET", f"/v1/reminders/{_segment(reminder_id)}", answer=m.Reminder),
        )

    async def delete(self, reminder_id: str) -> None:
        """Delete a reminder.

        ``DELETE /v1/reminders/{reminder_id}``
        """
        await self._call("DELETE", f"/v1/reminders/{_segment(reminder_id)}")

    async def update(
        self, reminder_id: str, body: m.ReminderPatch | Mapping[str, Any]
    ) -> m.Reminder:
        """Change a reminder (time changes reschedule it).

        ``PATCH /v1/reminders/{reminder_id}``
        """
        return _cast(
            m.Reminder,
            await self._call(
                "PATCH", f"/v1/reminders/{_segment(reminder_id)}", json=body, answer=m.Reminder
            ),
        )

    async def complete(self, reminder_id: str) -> m.Reminder:
        """Mark done (ends a recurring series).

        ``POST /v1/reminders/{reminder_id}/complete``
        """
        return _cast(
            m.Reminder,
            await self._call(
                "POST", f"/v1/reminders/{_segment(reminder_id)}/complete", answer=m.Reminder
            ),
        )

    async def snooze(self, reminder_id: str, body: m.Snooze | Mapping[str, Any]) -> m.Reminder:
        """Remind me again later.

        ``POST /v1/reminders/{reminder_id}/snooze``
        """
        return _cast(
            m.Reminder,
            await self._call(
                "POST",
                f"/v1/reminders/{_segment(reminder_id)}/snooze",
                json=body,
                answer=m.Reminder,
            ),
        )


class SnippetsResource(SyncResource):
    """``/v1/snippets``"""

    def list(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        language: str | None = None,
        tag: str | None = None,
    ) -> Paginator[m.Snippet]:
        """Your snippets, most recently changed first; with q, best matches first.

        ``GET /v1/snippets``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/snippets",
            params={"limit": limit, "q": q, "language": language, "tag": tag},
            page=m.SnippetPage,
        )

    def create(self, body: m.SnippetCreate | Mapping[str, Any]) -> m.Snippet:
        """Keep a prompt or a piece of code.

        ``POST /v1/snippets``
        """
        return _cast(m.Snippet, self._call("POST", "/v1/snippets", json=body, answer=m.Snippet))

    def get(self, snippet_id: str) -> m.Snippet:
        """Get.

        ``GET /v1/snippets/{snippet_id}``
        """
        return _cast(
            m.Snippet, self._call("GET", f"/v1/snippets/{_segment(snippet_id)}", answer=m.Snippet)
        )

    def delete(self, snippet_id: str) -> None:
        """Delete.

        ``DELETE /v1/snippets/{snippet_id}``
        """
        self._call("DELETE", f"/v1/snippets/{_segment(snippet_id)}")

    def patch(self, snippet_id: str, body: m.SnippetPatch | Mapping[str, Any]) -> m.Snippet:
        """Patch.

        ``PATCH /v1/snippets/{snippet_id}``
        """
        return _cast(
            m.Snippet,
            self._call(
                "PATCH", f"/v1/snippets/{_segment(snippet_id)}", json=body, answer=m.Snippet
            ),
        )

    def tag(self, snippet_id: str, tag: str) -> m.ItemTags:
        """Tag a snippet.

        ``PUT /v1/snippets/{snippet_id}/tags/{tag}``
        """
        return _cast(
            m.ItemTags,
            self._call(
                "PUT",
                f"/v1/snippets/{_segment(snippet_id)}/tags/{_segment(tag)}",
                answer=m.ItemTags,
            ),
        )

    def untag(self, snippet_id: str, tag: str) -> None:
        """Untag a snippet.

        ``DELETE /v1/snippets/{snippet_id}/tags/{tag}``
        """
        self._call("DELETE", f"/v1/snippets/{_segment(snippet_id)}/tags/{_segment(tag)}")


class AsyncSnippetsResource(AsyncResource):
    """``/v1/snippets``"""

    def list(
        self,
        *,
        limit: int | None = None,
        q: str | None = None,
        language: str | None = None,
        tag: str | None = None,
    ) -> AsyncPaginator[m.Snippet]:
        """Your snippets, most recently changed first; with q, best matches first.

        ``GET /v1/snippets``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/snippets",
            params={"limit": limit, "q": q, "language": language, "tag": tag},
            page=m.SnippetPage,
        )

    async def create(self, body: m.SnippetCreate | Mapping[str, Any]) -> m.Snippet:
        """Keep a prompt or a piece of code.

        ``POST /v1/snippets``
        """
        return _cast(
            m.Snippet, await self._call("POST", "/v1/snippets", json=body, answer=m.Snippet)
        )

    async def get(self, snippet_id: str) -> m.Snippet:
        """Get.

        ``GET /v1/snippets/{snippet_id}``
        """
        return _cast(
            m.Snippet,
            await self._call("GET", f"/v1/snippets/{_segment(snippet_id)}", answer=m.Snippet),
        )

    async def delete(self, snippet_id: str) -> None:
        """Delete.

        ``DELETE /v1/snippets/{snippet_id}``
        """
        await self._call("DELETE", f"/v1/snippets/{_segment(snippet_id)}")

    async def patch(self, snippet_id: str, body: m.SnippetPatch | Mapping[str, Any]) -> m.Snippet:
        """Patch.

        ``PATCH /v1/snippets/{snippet_id}``
        """
        return _cast(
            m.Snippet,
            await self._call(
                "PATCH", f"/v1/snippets/{_segment(snippet_id)}", json=body, answer=m.Snippet
            ),
        )

    async def tag(self, snippet_id: str, tag: str) -> m.ItemTags:
        """Tag a snippet.

        ``PUT /v1/snippets/{snippet_id}/tags/{tag}``
        """
        return _cast(
            m.ItemTags,
            await self._call(
                "PUT",
                f"/v1/snippets/{_segment(snippet_id)}/tags/{_segment(tag)}",
                answer=m.ItemTags,
            ),
        )

    async def untag(self, snippet_id: str, tag: str) -> None:
        """Untag a snippet.

        ``DELETE /v1/snippets/{snippet_id}/tags/{tag}``
        """
        await self._call("DELETE", f"/v1/snippets/{_segment(snippet_id)}/tags/{_segment(tag)}")


class TagsResource(SyncResource):
    """``/v1/tags``"""

    def list(self) -> builtins.list[m.Tag]:
        """Your tags with how many items carry each.

        ``GET /v1/tags``
        """
        return _cast(
            builtins.list[m.Tag], self._call("GET", "/v1/tags", answer=builtins.list[m.Tag])
        )

    def create(self, body: m.TagCreate | Mapping[str, Any]) -> m.Tag:
        """Add a tag to your vocabulary.

        ``POST /v1/tags``
        """
        return _cast(m.Tag, self._call("POST", "/v1/tags", json=body, answer=m.Tag))

    def get(self, tag: str) -> m.Tag:
        """Get.

        ``GET /v1/tags/{tag}``
        """
        return _cast(m.Tag, self._call("GET", f"/v1/tags/{_segment(tag)}", answer=m.Tag))

    def delete(self, tag: str) -> None:
        """Delete a tag and take it off every item.

        ``DELETE /v1/tags/{tag}``
        """
        self._call("DELETE", f"/v1/tags/{_segment(tag)}")

    def patch(self, tag: str, body: m.TagPatch | Mapping[str, Any]) -> m.Tag:
        """Recolour or rename (on every tagged item; merges into an existing tag).

        ``PATCH /v1/tags/{tag}``
        """
        return _cast(
            m.Tag, self._call("PATCH", f"/v1/tags/{_segment(tag)}", json=body, answer=m.Tag)
        )


class AsyncTagsResource(AsyncResource):
    """``/v1/tags``"""

    async def list(self) -> builtins.list[m.Tag]:
        """Your tags with how many items carry each.

        ``GET /v1/tags``
        """
        return _cast(
            builtins.list[m.Tag], await self._call("GET", "/v1/tags", answer=builtins.list[m.Tag])
        )

    async def create(self, body: m.TagCreate | Mapping[str, Any]) -> m.Tag:
        """Add a tag to your vocabulary.

        ``POST /v1/tags``
        """
        return _cast(m.Tag, await self._call("POST", "/v1/tags", json=body, answer=m.Tag))

    async def get(self, tag: str) -> m.Tag:
        """Get.

        ``GET /v1/tags/{tag}``
        """
        return _cast(m.Tag, await self._call("GET", f"/v1/tags/{_segment(tag)}", answer=m.Tag))

    async def delete(self, tag: str) -> None:
        """Delete a tag and take it off every item.

        ``DELETE /v1/tags/{tag}``
        """
        await self._call("DELETE", f"/v1/tags/{_segment(tag)}")

    async def patch(self, tag: str, body: m.TagPatch | Mapping[str, Any]) -> m.Tag:
        """Recolour or rename (on every tagged item; merges into an existing tag).

        ``PATCH /v1/tags/{tag}``
        """
        return _cast(
            m.Tag, await self._call("PATCH", f"/v1/tags/{_segment(tag)}", json=body, answer=m.Tag)
        )


class TasksResource(SyncResource):
    """``/v1/tasks``"""

    def list(
        self,
        *,
        status: Literal["todo", "in_progress", "completed", "cancelled"] | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        priority: Literal["low", "medium", "high", "urgent"] | None = None,
        tag: str | None = None,
        due_before: _dt.datetime | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Task]:
        """Your tasks, newest first.

        ``GET /v1/tasks``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/tasks",
            params={
                "status": status,
                "context": context,
                "priority": priority,
                "tag": tag,
                "due_before": due_before,
                "limit": limit,
            },
            page=m.TaskPage,
        )

    def create(self, body: m.TaskIn | Mapping[str, Any]) -> m.Task:
        """Create a task.

        ``POST /v1/tasks``
        """
        return _cast(m.Task, self._call("POST", "/v1/tasks", json=body, answer=m.Task))

    def get(self, task_id: str) -> m.Task:
        """One task.

        ``GET /v1/tasks/{task_id}``
        """
        return _cast(m.Task, self._call("GET", f"/v1/tasks/{_segment(task_id)}", answer=m.Task))

    def delete(self, task_id: str) -> None:
        """Delete a task.

        ``DELETE /v1/tasks/{task_id}``
        """
        self._call("DELETE", f"/v1/tasks/{_segment(task_id)}")

    def update(self, task_id: str, body: m.TaskPatch | Mapping[str, Any]) -> m.Task:
        """Change a task.

        ``PATCH /v1/tasks/{task_id}``
        """
        return _cast(
            m.Task, self._call("PATCH", f"/v1/tasks/{_segment(task_id)}", json=body, answer=m.Task)
        )

    def complete(self, task_id: str) -> m.Completion:
        """Mark done (a repeating task gets its next occurrence).

        ``POST /v1/tasks/{task_id}/complete``
        """
        return _cast(
            m.Completion,
            self._call("POST", f"/v1/tasks/{_segment(task_id)}/complete", answer=m.Completion),
        )


class AsyncTasksResource(AsyncResource):
    """``/v1/tasks``"""

    def list(
        self,
        *,
        status: Literal["todo", "in_progress", "completed", "cancelled"] | None = None,
        context: Literal["work", "personal", "family"] | None = None,
        priority: Literal["low", "medium", "high", "urgent"] | None = None,
        tag: str | None = None,
        due_before: _dt.datetime | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Task]:
        """Your tasks, newest first.

        ``GET /v1/tasks``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/tasks",
            params={
                "status": status,
                "context": context,
                "priority": priority,
                "tag": tag,
                "due_before": due_before,
                "limit": limit,
            },
            page=m.TaskPage,
        )

    async def create(self, body: m.TaskIn | Mapping[str, Any]) -> m.Task:
        """Create a task.

        ``POST /v1/tasks``
        """
        return _cast(m.Task, await self._call("POST", "/v1/tasks", json=body, answer=m.Task))

    async def get(self, task_id: str) -> m.Task:
        """One task.

        ``GET /v1/tasks/{task_id}``
        """
        return _cast(
            m.Task, await self._call("GET", f"/v1/tasks/{_segment(task_id)}", answer=m.Task)
        )

    async def delete(self, task_id: str) -> None:
        """Delete a task.

        ``DELETE /v1/tasks/{task_id}``
        """
        await self._call("DELETE", f"/v1/tasks/{_segment(task_id)}")

    async def update(self, task_id: str, body: m.TaskPatch | Mapping[str, Any]) -> m.Task:
        """Change a task.

        ``PATCH /v1/tasks/{task_id}``
        """
        return _cast(
            m.Task,
            await self._call("PATCH", f"/v1/tasks/{_segment(task_id)}", json=body, answer=m.Task),
        )

    async def complete(self, task_id: str) -> m.Completion:
        """Mark done (a repeating task gets its next occurrence).

        ``POST /v1/tasks/{task_id}/complete``
        """
        return _cast(
            m.Completion,
            await self._call(
                "POST", f"/v1/tasks/{_segment(task_id)}/complete", answer=m.Completion
            ),
        )


class TeamTemplatesResource(SyncResource):
    """``/v1/team-templates``"""

    def list(
        self, *, category: str | None = None, featured: bool | None = None
    ) -> builtins.list[m.TeamTemplate]:
        """Predefined advisor teams.

        ``GET /v1/team-templates``
        """
        return _cast(
            builtins.list[m.TeamTemplate],
            self._call(
                "GET",
                "/v1/team-templates",
                params={"category": category, "featured": featured},
                answer=builtins.list[m.TeamTemplate],
            ),
        )

    def apply(self, template_id: str) -> m.TemplateApplied:
        """Add a team's advisors to your board.

        ``POST /v1/team-templates/{template_id}/apply``
        """
        return _cast(
            m.TemplateApplied,
            self._call(
                "POST",
                f"/v1/team-templates/{_segment(template_id)}/apply",
                answer=m.TemplateApplied,
            ),
        )


class AsyncTeamTemplatesResource(AsyncResource):
    """``/v1/team-templates``"""

    async def list(
        self, *, category: str | None = None, featured: bool | None = None
    ) -> builtins.list[m.TeamTemplate]:
        """Predefined advisor teams.

        ``GET /v1/team-templates``
        """
        return _cast(
            builtins.list[m.TeamTemplate],
            await self._call(
                "GET",
                "/v1/team-templates",
                params={"category": category, "featured": featured},
                answer=builtins.list[m.TeamTemplate],
            ),
        )

    async def apply(self, template_id: str) -> m.TemplateApplied:
        """Add a team's advisors to your board.

        ``POST /v1/team-templates/{template_id}/apply``
        """
        return _cast(
            m.TemplateApplied,
            await self._call(
                "POST",
                f"/v1/team-templates/{_segment(template_id)}/apply",
                answer=m.TemplateApplied,
            ),
        )


class UsageResource(SyncResource):
    """``/v1/usage``"""

    def report(
        self, *, start: _dt.date | None = None, end: _dt.date | None = None
    ) -> m.UsageReport:
        """Calls, tokens, messages and cost per day, model and feature.

        ``GET /v1/usage``
        """
        return _cast(
            m.UsageReport,
            self._call(
                "GET", "/v1/usage", params={"start": start, "end": end}, answer=m.UsageReport
            ),
        )

    def list_calls(
        self,
        *,
        limit: int | None = None,
        feature: str | None = None,
        provider: str | None = None,
        success: bool | None = None,
        start: _dt.date | None = None,
        end: _dt.date | None = None,
    ) -> Paginator[m.UsageCall]:
        """Every model call made for you, newest first.

        ``GET /v1/usage/calls``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/usage/calls",
            params={
                "limit": limit,
                "feature": feature,
                "provider": provider,
                "success": success,
                "start": start,
                "end": end,
            },
            page=m.UsageCallPage,
        )

    def get_call(self, call_id: str) -> m.UsageCall:
        """One model call.

        ``GET /v1/usage/calls/{call_id}``
        """
        return _cast(
            m.UsageCall,
            self._call("GET", f"/v1/usage/calls/{_segment(call_id)}", answer=m.UsageCall),
        )

    def get_limits(self) -> m.UsageLimits:
        """The limits that apply and how much of them is used.

        ``GET /v1/usage/limits``
        """
        return _cast(m.UsageLimits, self._call("GET", "/v1/usage/limits", answer=m.UsageLimits))

    def update_limits(self, body: m.LimitsUpdate | Mapping[str, Any]) -> m.UsageLimits:
        """Set your own caps (below the server's limits).

        ``PATCH /v1/usage/limits``
        """
        return _cast(
            m.UsageLimits, self._call("PATCH", "/v1/usage/limits", json=body, answer=m.UsageLimits)
        )


class AsyncUsageResource(AsyncResource):
    """``/v1/usage``"""

    async def report(
        self, *, start: _dt.date | None = None, end: _dt.date | None = None
    ) -> m.UsageReport:
        """Calls, tokens, messages and cost per day, model and feature.

        ``GET /v1/usage``
        """
        return _cast(
            m.UsageReport,
            await self._call(
                "GET", "/v1/usage", params={"start": start, "end": end}, answer=m.UsageReport
            ),
        )

    def list_calls(
        self,
        *,
        limit: int | None = None,
        feature: str | None = None,
        provider: str | None = None,
        success: bool | None = None,
        start: _dt.date | None = None,
        end: _dt.date | None = None,
    ) -> AsyncPaginator[m.UsageCall]:
        """Every model call made for you, newest first.

        ``GET /v1/usage/calls``

        Every item of every page, fetched as the iteration reaches it.
        """
        return self._paginate(
            "GET",
            "/v1/usage/calls",
            params={
                "limit": limit,
                "feature": feature,
                "provider": provider,
                "success": success,
                "start": start,
                "end": end,
            },
            page=m.UsageCallPage,
        )

    async def get_call(self, call_id: str) -> m.UsageCall:
        """One model call.

        ``GET /v1/usage/calls/{call_id}``
        """
        return _cast(
            m.UsageCall,
            await self._call("GET", f"/v1/usage/calls/{_segment(call_id)}", answer=m.UsageCall),
        )

    async def get_limits(self) -> m.UsageLimits:
        """The limits that apply and how much of them is used.

        ``GET /v1/usage/limits``
        """
        return _cast(
            m.UsageLimits, await self._call("GET", "/v1/usage/limits", answer=m.UsageLimits)
        )

    async def update_limits(self, body: m.LimitsUpdate | Mapping[str, Any]) -> m.UsageLimits:
        """Set your own caps (below the server's limits).

        ``PATCH /v1/usage/limits``
        """
        return _cast(
            m.UsageLimits,
            await self._call("PATCH", "/v1/usage/limits", json=body, answer=m.UsageLimits),
        )


class SyncGroups:
    """One attribute per resource group of the API."""

    admin: AdminResource
    advisor_board: AdvisorBoardResource
    advisors: AdvisorsResource
    auth: AuthResource
    bookmarks: BookmarksResource
    byod: ByodResource
    calendar: CalendarResource
    chat: ChatResource
    contacts: ContactsResource
    conversations: ConversationsResource
    documents: DocumentsResource
    entities: EntitiesResource
    expenses: ExpensesResource
    experiences: ExperiencesResource
    integrations: IntegrationsResource
    interactions: InteractionsResource
    lists: ListsResource
    mail: MailResource
    me: MeResource
    memories: MemoriesResource
    models: ModelsResource
    notes: NotesResource
    notifications: NotificationsResource
    people: PeopleResource
    projects: ProjectsResource
    providers: ProvidersResource
    reminders: RemindersResource
    snippets: SnippetsResource
    tags: TagsResource
    tasks: TasksResource
    team_templates: TeamTemplatesResource
    usage: UsageResource

    def __init__(self, transport: SyncTransport) -> None:
        self.admin = AdminResource(transport)
        self.advisor_board = AdvisorBoardResource(transport)
        self.advisors = AdvisorsResource(transport)
        self.auth = AuthResource(transport)
        self.bookmarks = BookmarksResource(transport)
        self.byod = ByodResource(transport)
        self.calendar = CalendarResource(transport)
        self.chat = ChatResource(transport)
        self.contacts = ContactsResource(transport)
        self.conversations = ConversationsResource(transport)
        self.documents = DocumentsResource(transport)
        self.entities = EntitiesResource(transport)
        self.expenses = ExpensesResource(transport)
        self.experiences = ExperiencesResource(transport)
        self.integrations = IntegrationsResource(transport)
        self.interactions = InteractionsResource(transport)
        self.lists = ListsResource(transport)
        self.mail = MailResource(transport)
        self.me = MeResource(transport)
        self.memories = MemoriesResource(transport)
        self.models = ModelsResource(transport)
        self.notes = NotesResource(transport)
        self.notifications = NotificationsResource(transport)
        self.people = PeopleResource(transport)
        self.projects = ProjectsResource(transport)
        self.providers = ProvidersResource(transport)
        self.reminders = RemindersResource(transport)
        self.snippets = SnippetsResource(transport)
        self.tags = TagsResource(transport)
        self.tasks = TasksResource(transport)
        self.team_templates = TeamTemplatesResource(transport)
        self.usage = UsageResource(transport)


class AsyncGroups:
    """One attribute per resource group of the API."""

    admin: AsyncAdminResource
    advisor_board: AsyncAdvisorBoardResource
    advisors: AsyncAdvisorsResource
    auth: AsyncAuthResource
    bookmarks: AsyncBookmarksResource
    byod: AsyncByodResource
    calendar: AsyncCalendarResource
    chat: AsyncChatResource
    contacts: AsyncContactsResource
    conversations: AsyncConversationsResource
    documents: AsyncDocumentsResource
    entities: AsyncEntitiesResource
    expenses: AsyncExpensesResource
    experiences: AsyncExperiencesResource
    integrations: AsyncIntegrationsResource
    interactions: AsyncInteractionsResource
    lists: AsyncListsResource
    mail: AsyncMailResource
    me: AsyncMeResource
    memories: AsyncMemoriesResource
    models: AsyncModelsResource
    notes: AsyncNotesResource
    notifications: AsyncNotificationsResource
    people: AsyncPeopleResource
    projects: AsyncProjectsResource
    providers: AsyncProvidersResource
    reminders: AsyncRemindersResource
    snippets: AsyncSnippetsResource
    tags: AsyncTagsResource
    tasks: AsyncTasksResource
    team_templates: AsyncTeamTemplatesResource
    usage: AsyncUsageResource

    def __init__(self, transport: AsyncTransport) -> None:
        self.admin = AsyncAdminResource(transport)
        self.advisor_board = AsyncAdvisorBoardResource(transport)
        self.advisors = AsyncAdvisorsResource(transport)
        self.auth = AsyncAuthResource(transport)
        self.bookmarks = AsyncBookmarksResource(transport)
        self.byod = AsyncByodResource(transport)
        self.calendar = AsyncCalendarResource(transport)
        self.chat = AsyncChatResource(transport)
        self.contacts = AsyncContactsResource(transport)
        self.conversations = AsyncConversationsResource(transport)
        self.documents = AsyncDocumentsResource(transport)
        self.entities = AsyncEntitiesResource(transport)
        self.expenses = AsyncExpensesResource(transport)
        self.experiences = AsyncExperiencesResource(transport)
        self.integrations = AsyncIntegrationsResource(transport)
        self.interactions = AsyncInteractionsResource(transport)
        self.lists = AsyncListsResource(transport)
        self.mail = AsyncMailResource(transport)
        self.me = AsyncMeResource(transport)
        self.memories = AsyncMemoriesResource(transport)
        self.models = AsyncModelsResource(transport)
        self.notes = AsyncNotesResource(transport)
        self.notifications = AsyncNotificationsResource(transport)
        self.people = AsyncPeopleResource(transport)
        self.projects = AsyncProjectsResource(transport)
        self.providers = AsyncProvidersResource(transport)
        self.reminders = AsyncRemindersResource(transport)
        self.snippets = AsyncSnippetsResource(transport)
        self.tags = AsyncTagsResource(transport)
        self.tasks = AsyncTasksResource(transport)
        self.team_templates = AsyncTeamTemplatesResource(transport)
        self.usage = AsyncUsageResource(transport)


OPERATIONS: dict[str, str] = {
    "GET /v1/admin/index": "admin.get_index",
    "GET /v1/admin/users": "admin.list_users",
    "GET /v1/admin/users/{user_id}": "admin.get_user",
    "GET /v1/advisor-board": "advisor_board.get",
    "PUT /v1/advisor-board/{advisor_id}": "advisor_board.select_advisor",
    "DELETE /v1/advisor-board/{advisor_id}": "advisor_board.deselect_advisor",
    "GET /v1/advisors": "advisors.list",
    "POST /v1/advisors": "advisors.create",
    "GET /v1/advisors/{advisor_id}": "advisors.get",
    "DELETE /v1/advisors/{advisor_id}": "advisors.delete",
    "PATCH /v1/advisors/{advisor_id}": "advisors.patch",
    "POST /v1/auth/login": "auth.login",
    "POST /v1/auth/logout": "auth.logout",
    "POST /v1/auth/refresh": "auth.refresh",
    "POST /v1/auth/register": "auth.register",
    "GET /v1/bookmarks": "bookmarks.list",
    "POST /v1/bookmarks": "bookmarks.create",
    "GET /v1/bookmarks/{bookmark_id}": "bookmarks.get",
    "DELETE /v1/bookmarks/{bookmark_id}": "bookmarks.delete",
    "PATCH /v1/bookmarks/{bookmark_id}": "bookmarks.patch",
    "POST /v1/byod/stores": "byod.register",
    "GET /v1/byod/stores/current": "byod.current",
    "DELETE /v1/byod/stores/current": "byod.forget",
    "POST /v1/byod/stores/current/disconnect": "byod.disconnect",
    "GET /v1/byod/stores/current/migration": "byod.preview",
    "GET /v1/byod/stores/current/move": "byod.current_move",
    "GET /v1/calendar/events": "calendar.list_events",
    "POST /v1/calendar/events": "calendar.create_event",
    "GET /v1/calendar/events/{event_id}": "calendar.get_event",
    "DELETE /v1/calendar/events/{event_id}": "calendar.delete_event",
    "PATCH /v1/calendar/events/{event_id}": "calendar.update_event",
    "POST /v1/chat/completions": "chat.completions",
    "GET /v1/contacts": "contacts.list",
    "POST /v1/contacts": "contacts.create",
    "POST /v1/contacts/merge": "contacts.merge",
    "GET /v1/contacts/{contact_id}": "contacts.get",
    "DELETE /v1/contacts/{contact_id}": "contacts.delete",
    "PATCH /v1/contacts/{contact_id}": "contacts.update",
    "POST /v1/contacts/{contact_id}/archive": "contacts.archive",
    "GET /v1/contacts/{contact_id}/briefing": "contacts.briefing",
    "GET /v1/contacts/{contact_id}/interactions": "contacts.list_interactions",
    "POST /v1/contacts/{contact_id}/interactions": "contacts.log_interaction",
    "GET /v1/contacts/{contact_id}/interests": "contacts.list_interests",
    "POST /v1/contacts/{contact_id}/interests": "contacts.add_interest",
    "DELETE /v1/contacts/{contact_id}/interests/{interest_id}": "contacts.delete_interest",
    "GET /v1/contacts/{contact_id}/memories": "contacts.memories",
    "GET /v1/contacts/{contact_id}/relationships": "contacts.relationships",
    "PUT /v1/contacts/{contact_id}/relationships/{other_id}": "contacts.set_relationship",
    "DELETE /v1/contacts/{contact_id}/relationships/{other_id}": "contacts.delete_relationship",
    "POST /v1/contacts/{contact_id}/unarchive": "contacts.unarchive",
    "GET /v1/conversations": "conversations.list",
    "POST /v1/conversations": "conversations.create",
    "GET /v1/conversations/invitations": "conversations.my_invitations",
    "POST /v1/conversations/invitations/{conversation_id}/accept": "conversations.accept_invitation",
    "POST /v1/conversations/invitations/{conversation_id}/decline": "conversations.decline_invitation",
    "GET /v1/conversations/{conversation_id}": "conversations.get",
    "DELETE /v1/conversations/{conversation_id}": "conversations.delete",
    "PATCH /v1/conversations/{conversation_id}": "conversations.patch",
    "GET /v1/conversations/{conversation_id}/advisors": "conversations.advisors",
    "PUT /v1/conversations/{conversation_id}/advisors/{advisor_id}": "conversations.add_advisor",
    "DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}": "conversations.remove_advisor",
    "GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory": "conversations.list_advisor_memory",
    "DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory": "conversations.clear_advisor_memory",
    "GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}": "conversations.get_advisor_memory",
    "PUT /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}": "conversations.put_advisor_memory",
    "DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}": "conversations.delete_advisor_memory",
    "GET /v1/conversations/{conversation_id}/messages": "conversations.list_messages",
    "POST /v1/conversations/{conversation_id}/messages": "conversations.post_message",
    "GET /v1/conversations/{conversation_id}/messages/{message_id}": "conversations.get_message",
    "DELETE /v1/conversations/{conversation_id}/messages/{message_id}": "conversations.delete_message",
    "POST /v1/conversations/{conversation_id}/messages/{message_id}/activate": "conversations.activate",
    "POST /v1/conversations/{conversation_id}/messages/{message_id}/edit": "conversations.edit",
    "PUT /v1/conversations/{conversation_id}/messages/{message_id}/rating": "conversations.rate",
    "POST /v1/conversations/{conversation_id}/messages/{message_id}/regenerate": "conversations.regenerate",
    "POST /v1/conversations/{conversation_id}/messages/{message_id}/stop": "conversations.stop",
    "GET /v1/conversations/{conversation_id}/messages/{message_id}/stream": "conversations.resume_stream",
    "GET /v1/conversations/{conversation_id}/participants": "conversations.list_participants",
    "POST /v1/conversations/{conversation_id}/participants": "conversations.invite_participant",
    "DELETE /v1/conversations/{conversation_id}/participants/{user_id}": "conversations.remove_participant",
    "PATCH /v1/conversations/{conversation_id}/participants/{user_id}": "conversations.change_participant_role",
    "GET /v1/conversations/{conversation_id}/summaries": "conversations.list_summaries",
    "POST /v1/conversations/{conversation_id}/summaries": "conversations.create_summary",
    "PUT /v1/conversations/{conversation_id}/tags/{tag}": "conversations.tag",
    "DELETE /v1/conversations/{conversation_id}/tags/{tag}": "conversations.untag",
    "GET /v1/conversations/{conversation_id}/typing": "conversations.get_typing_state",
    "PUT /v1/conversations/{conversation_id}/typing": "conversations.set_typing",
    "GET /v1/documents": "documents.list",
    "POST /v1/documents": "documents.upload",
    "GET /v1/documents/{document_id}": "documents.get",
    "DELETE /v1/documents/{document_id}": "documents.delete",
    "GET /v1/documents/{document_id}/chunks": "documents.chunks",
    "GET /v1/entities": "entities.list",
    "GET /v1/entities/{entity_id}": "entities.get",
    "DELETE /v1/entities/{entity_id}": "entities.delete",
    "PATCH /v1/entities/{entity_id}": "entities.patch",
    "GET /v1/entities/{entity_id}/history": "entities.history",
    "POST /v1/entities/{entity_id}/merge": "entities.merge",
    "POST /v1/entities/{entity_id}/split": "entities.split",
    "GET /v1/expenses": "expenses.list",
    "POST /v1/expenses": "expenses.create",
    "GET /v1/expenses/categories": "expenses.categories",
    "PUT /v1/expenses/categories/{category}": "expenses.set_category",
    "DELETE /v1/expenses/categories/{category}": "expenses.drop_category",
    "GET /v1/expenses/summary": "expenses.summary",
    "GET /v1/expenses/{expense_id}": "expenses.get",
    "DELETE /v1/expenses/{expense_id}": "expenses.delete",
    "PATCH /v1/expenses/{expense_id}": "expenses.update",
    "GET /v1/experiences": "experiences.list",
    "POST /v1/experiences": "experiences.create",
    "GET /v1/experiences/{experience_id}": "experiences.get",
    "DELETE /v1/experiences/{experience_id}": "experiences.delete",
    "PATCH /v1/experiences/{experience_id}": "experiences.update",
    "POST /v1/experiences/{experience_id}/review": "experiences.review",
    "GET /v1/integrations/connections": "integrations.list_connections",
    "POST /v1/integrations/connections": "integrations.connect",
    "GET /v1/integrations/connections/{connection_id}": "integrations.get_connection",
    "DELETE /v1/integrations/connections/{connection_id}": "integrations.disconnect",
    "PATCH /v1/integrations/connections/{connection_id}": "integrations.update_connection",
    "POST /v1/integrations/connections/{connection_id}/sync": "integrations.sync_now",
    "POST /v1/integrations/connections/{connection_id}/test": "integrations.test_connection",
    "GET /v1/integrations/jobs": "integrations.list_jobs",
    "GET /v1/integrations/jobs/{job_id}": "integrations.get_job",
    "POST /v1/integrations/jobs/{job_id}/cancel": "integrations.cancel_job",
    "POST /v1/integrations/jobs/{job_id}/retry": "integrations.retry_job",
    "POST /v1/integrations/oauth/{provider}/complete": "integrations.complete_oauth",
    "POST /v1/integrations/oauth/{provider}/start": "integrations.start_oauth",
    "GET /v1/integrations/providers": "integrations.providers",
    "GET /v1/interactions/{interaction_id}": "interactions.get",
    "DELETE /v1/interactions/{interaction_id}": "interactions.delete",
    "PATCH /v1/interactions/{interaction_id}": "interactions.update",
    "GET /v1/lists": "lists.list_lists",
    "POST /v1/lists": "lists.create",
    "GET /v1/lists/invitations": "lists.invitations",
    "POST /v1/lists/invitations/{list_id}/accept": "lists.accept",
    "POST /v1/lists/invitations/{list_id}/decline": "lists.decline",
    "GET /v1/lists/{list_id}": "lists.get",
    "DELETE /v1/lists/{list_id}": "lists.delete",
    "PATCH /v1/lists/{list_id}": "lists.update",
    "GET /v1/lists/{list_id}/items": "lists.items",
    "POST /v1/lists/{list_id}/items": "lists.add_item",
    "POST /v1/lists/{list_id}/items/clear-completed": "lists.clear_completed",
    "GET /v1/lists/{list_id}/items/{item_id}": "lists.get_item",
    "DELETE /v1/lists/{list_id}/items/{item_id}": "lists.delete_item",
    "PATCH /v1/lists/{list_id}/items/{item_id}": "lists.update_item",
    "GET /v1/lists/{list_id}/members": "lists.members",
    "POST /v1/lists/{list_id}/members": "lists.invite",
    "DELETE /v1/lists/{list_id}/members/{user_id}": "lists.remove_member",
    "GET /v1/mail/messages": "mail.list_messages",
    "GET /v1/mail/messages/{message_id}": "mail.get_message",
    "GET /v1/mail/threads/{thread_id}": "mail.get_thread",
    "GET /v1/me": "me.get",
    "DELETE /v1/me": "me.erase",
    "PATCH /v1/me": "me.patch",
    "GET /v1/me/api-keys": "me.list_keys",
    "POST /v1/me/api-keys": "me.create_key",
    "DELETE /v1/me/api-keys/{key_id}": "me.revoke_key",
    "GET /v1/me/audit-log": "me.audit_log",
    "GET /v1/me/connections": "me.list_connections",
    "DELETE /v1/me/connections/{client_id}": "me.revoke_connection",
    "GET /v1/me/erasure/{erasure_id}": "me.erasure_status",
    "POST /v1/me/export": "me.export",
    "GET /v1/me/patterns": "me.list_patterns",
    "POST /v1/me/patterns/learn": "me.learn_patterns",
    "GET /v1/me/patterns/{pattern_id}": "me.get_pattern",
    "POST /v1/me/patterns/{pattern_id}/dismiss": "me.dismiss_pattern",
    "POST /v1/me/patterns/{pattern_id}/restore": "me.restore_pattern",
    "GET /v1/me/preferences": "me.get_preferences",
    "PATCH /v1/me/preferences": "me.patch_preferences",
    "GET /v1/me/presence": "me.get_presence",
    "PUT /v1/me/presence": "me.put_presence",
    "GET /v1/memories": "memories.list",
    "POST /v1/memories": "memories.create",
    "POST /v1/memories/bulk-delete": "memories.bulk_delete",
    "GET /v1/memories/export": "memories.export",
    "GET /v1/memories/jobs/{job_id}": "memories.get_job",
    "POST /v1/memories/jobs/{job_id}/retry": "memories.retry_job",
    "POST /v1/memories/search": "memories.search",
    "GET /v1/memories/summaries": "memories.list_summaries",
    "POST /v1/memories/summaries": "memories.generate_summary",
    "GET /v1/memories/summaries/{summary_id}": "memories.get_summary",
    "GET /v1/memories/{memory_id}": "memories.get",
    "DELETE /v1/memories/{memory_id}": "memories.delete",
    "PATCH /v1/memories/{memory_id}": "memories.patch",
    "GET /v1/memories/{memory_id}/history": "memories.history",
    "GET /v1/memories/{memory_id}/relations": "memories.list_relations",
    "POST /v1/memories/{memory_id}/relations": "memories.add_relation",
    "DELETE /v1/memories/{memory_id}/relations/{relation_id}": "memories.remove_relation",
    "GET /v1/models": "models.list",
    "GET /v1/notes": "notes.list",
    "POST /v1/notes": "notes.create",
    "GET /v1/notes/{note_id}": "notes.get",
    "DELETE /v1/notes/{note_id}": "notes.delete",
    "PATCH /v1/notes/{note_id}": "notes.patch",
    "PUT /v1/notes/{note_id}/tags/{tag}": "notes.tag",
    "DELETE /v1/notes/{note_id}/tags/{tag}": "notes.untag",
    "GET /v1/notifications": "notifications.list",
    "GET /v1/notifications/channels": "notifications.get_channels",
    "PUT /v1/notifications/channels": "notifications.put_channels",
    "POST /v1/notifications/channels/email/confirm": "notifications.confirm_email",
    "GET /v1/notifications/nudges": "notifications.get_nudge_settings",
    "PATCH /v1/notifications/nudges": "notifications.update_nudge_settings",
    "GET /v1/notifications/nudges/contacts": "notifications.nudge_contacts",
    "PATCH /v1/notifications/nudges/contacts/{contact_id}": "notifications.update_nudge_contact",
    "POST /v1/notifications/nudges/snooze": "notifications.snooze_nudges",
    "DELETE /v1/notifications/nudges/snooze": "notifications.unsnooze_nudges",
    "GET /v1/notifications/scheduled": "notifications.scheduled",
    "GET /v1/notifications/{notification_id}": "notifications.get",
    "PATCH /v1/notifications/{notification_id}": "notifications.change_status",
    "GET /v1/people/at-company": "people.at_company",
    "GET /v1/people/clusters": "people.clusters",
    "GET /v1/people/graph": "people.graph",
    "GET /v1/people/path": "people.path",
    "GET /v1/people/search": "people.search",
    "GET /v1/people/ties": "people.ties",
    "GET /v1/projects": "projects.list",
    "POST /v1/projects": "projects.create",
    "GET /v1/projects/{project_id}": "projects.get",
    "DELETE /v1/projects/{project_id}": "projects.delete",
    "PATCH /v1/projects/{project_id}": "projects.patch",
    "GET /v1/projects/{project_id}/contents": "projects.contents",
    "PUT /v1/projects/{project_id}/conversations/{conversation_id}": "projects.add_conversation",
    "DELETE /v1/projects/{project_id}/conversations/{conversation_id}": "projects.remove_conversation",
    "POST /v1/projects/{project_id}/files": "projects.add_file",
    "DELETE /v1/projects/{project_id}/files/{file_id}": "projects.delete_file",
    "GET /v1/providers/ratings": "providers.ratings",
    "GET /v1/providers/ratings/{provider}": "providers.rating",
    "GET /v1/reminders": "reminders.list",
    "POST /v1/reminders": "reminders.create",
    "GET /v1/reminders/{reminder_id}": "reminders.get",
    "DELETE /v1/reminders/{reminder_id}": "reminders.delete",
    "PATCH /v1/reminders/{reminder_id}": "reminders.update",
    "POST /v1/reminders/{reminder_id}/complete": "reminders.complete",
    "POST /v1/reminders/{reminder_id}/snooze": "reminders.snooze",
    "GET /v1/snippets": "snippets.list",
    "POST /v1/snippets": "snippets.create",
    "GET /v1/snippets/{snippet_id}": "snippets.get",
    "DELETE /v1/snippets/{snippet_id}": "snippets.delete",
    "PATCH /v1/snippets/{snippet_id}": "snippets.patch",
    "PUT /v1/snippets/{snippet_id}/tags/{tag}": "snippets.tag",
    "DELETE /v1/snippets/{snippet_id}/tags/{tag}": "snippets.untag",
    "GET /v1/tags": "tags.list",
    "POST /v1/tags": "tags.create",
    "GET /v1/tags/{tag}": "tags.get",
    "DELETE /v1/tags/{tag}": "tags.delete",
    "PATCH /v1/tags/{tag}": "tags.patch",
    "GET /v1/tasks": "tasks.list",
    "POST /v1/tasks": "tasks.create",
    "GET /v1/tasks/{task_id}": "tasks.get",
    "DELETE /v1/tasks/{task_id}": "tasks.delete",
    "PATCH /v1/tasks/{task_id}": "tasks.update",
    "POST /v1/tasks/{task_id}/complete": "tasks.complete",
    "GET /v1/team-templates": "team_templates.list",
    "POST /v1/team-templates/{template_id}/apply": "team_templates.apply",
    "GET /v1/usage": "usage.report",
    "GET /v1/usage/calls": "usage.list_calls",
    "GET /v1/usage/calls/{call_id}": "usage.get_call",
    "GET /v1/usage/limits": "usage.get_limits",
    "PATCH /v1/usage/limits": "usage.update_limits",
}
"""Every operation of the API (``METHOD /path``) → its SDK method (``group.method``)."""
