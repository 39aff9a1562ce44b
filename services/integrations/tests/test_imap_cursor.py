"""The IMAP cursor and the deletion sweep over it (no network)."""

from __future__ import annotations

import pytest
from muninn_integrations.connectors.imap.cursor import ImapCursor, MailboxCursor
from muninn_integrations.connectors.imap.deletions import sweep_deletions
from muninn_integrations.connectors.port import CursorExpiredError


def test_cursor_round_trips_compactly() -> None:
    cursor = ImapCursor(m={"INBOX": MailboxCursor(uv=7, u=1500)})
    for uid in (3, 4, 1200):
        cursor.m["INBOX"].delivered_one(uid)

    encoded = cursor.encode()

    assert ImapCursor.decode(encoded) == cursor
    assert encoded == '{"v":1,"m":{"INBOX":{"uv":7,"u":1500,"c":{"0":[2,3,4],"1":[1,1200,1200]}}}}'
    assert ImapCursor.decode(encoded).m["INBOX"].delivered == 3


@pytest.mark.parametrize("garbage", ["", "{", '{"v":1,"m":{"INBOX":{}}}', '{"v":99}', "[]"])
def test_an_unreadable_cursor_expires(garbage: str) -> None:
    with pytest.raises(CursorExpiredError):
        ImapCursor.decode(garbage)


class FakeSession:
    def __init__(self, present: set[int]) -> None:
        self.present = present
        self.searches: list[tuple[int, int]] = []

    async def uid_search(self, low: int, high: int) -> list[int]:
        self.searches.append((low, high))
        return sorted(uid for uid in self.present if low <= uid <= high)


def held(*uids: int) -> MailboxCursor:
    state = MailboxCursor(uv=9, u=max(uids))
    for uid in uids:
        state.delivered_one(uid)
    return state


async def test_sweep_reports_missing_uids_between_the_lowest_and_highest_held() -> None:
    state = held(101, 102, 103, 104, 2500, 2501)
    session = FakeSession({101, 103, 104, 2500, 2501})
    state.s = 1

    deleted, more = await sweep_deletions(session, "INBOX", state, room=10)  # type: ignore[arg-type]

    assert [change.external_id for change in deleted] == ["INBOX/9/102"]
    assert not more
    assert state.s is None
    assert state.delivered == 5
    # The chunk that kept its count is searched, never reported.
    assert session.searches == [(101, 104), (2500, 2501)]


async def test_sweep_pages_inside_a_chunk_without_skipping() -> None:
    state = held(*range(1, 11))
    session = FakeSession({1, 10})
    state.s = 1
    reported: list[str] = []

    for _ in range(10):
        deleted, more = await sweep_deletions(session, "INBOX", state, room=3)  # type: ignore[arg-type]
        assert len(deleted) <= 3
        reported += [change.external_id for change in deleted]
        if not more:
            break

    assert reported == [f"INBOX/9/{uid}" for uid in range(2, 10)]
    assert state.delivered == 2
