"""One random 256-bit key per user, created on first use, destroyed first thing at erasure.

Keys are stored wrapped under the key-encryption key (``MUNINN_EVENT_KEY_ENCRYPTION_KEY``)
with the user id as associated data, so a database dump alone opens no event and a wrapped
key cannot be swapped onto another user. A user who is erasing or gone gets no key, and none
is created for them: their retained events stay sealed for good.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from muninn_shared.events.sealing import KEY_BYTES, NONCE_BYTES
from muninn_shared.logging import get_logger
from muninn_shared.messaging.event_keys import UserErasedError
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.event_keys.store import EventKeyStore
from muninn_identity.users.service import UserService

log = get_logger(__name__)


class KeyUnwrapError(RuntimeError):
    """A stored key does not open under the configured key-encryption key."""


class EventKeyService:
    def __init__(self, keys: EventKeyStore, users: UserService, *, wrapping_key: bytes) -> None:
        self._keys = keys
        self._users = users
        self._wrapping = AESGCM(wrapping_key)

    async def key_for(self, user_id: str) -> bytes:
        """The user's key, created if this is its first use; UserErasedError if none may exist."""
        wrapped = await self._keys.wrapped(user_id)
        if wrapped is not None:
            return self._unwrap(user_id, wrapped)
        if not await self._active(user_id):
            raise UserErasedError(user_id)
        stored = await self._keys.insert(user_id, self._wrap(user_id, os.urandom(KEY_BYTES)))
        # An erasure that committed between the check and the insert found no key to destroy.
        if not await self._active(user_id):
            await self._keys.destroy(user_id)
            raise UserErasedError(user_id)
        return self._unwrap(user_id, stored)

    async def destroy(self, user_id: str, session: AsyncClientSession | None = None) -> None:
        if await self._keys.destroy(user_id, session):
            log.info("event key destroyed", user_id=user_id)

    async def _active(self, user_id: str) -> bool:
        return await self._users.is_active(user_id)

    def _wrap(self, user_id: str, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._wrapping.encrypt(nonce, key, user_id.encode())

    def _unwrap(self, user_id: str, wrapped: bytes) -> bytes:
        try:
            return self._wrapping.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], user_id.encode()
            )
        except InvalidTag:
            raise KeyUnwrapError(
                f"the event key of {user_id} does not open under the configured "
                "MUNINN_EVENT_KEY_ENCRYPTION_KEY"
            ) from None
