"""Users' data keys: one per user, wrapped by the master key, kept apart from the database.

:class:`DataKeys` makes, unwraps and erases them; :class:`KeyStore` keeps the wrapped keys.
Areas reach both through ``portal.crypto`` and ``request.app.state.data_keys``.

Deleting a user's key from here is what makes their encrypted drawings and bank accounts
unreadable in every copy of the database, backups included ("crypto-shredding", DESIGN.md). So
the store lives outside the application database, under ``PORTAL_KEYSTORE_DIR`` (default
``<var>/keys``), and that folder must be kept out of the database's and ``var/``'s backups. If
the key store itself is backed up, keep those backups short-lived: an erased key lives on in
them until they expire. In production a KMS can take its place behind :class:`KeyStore`.

Only wrapped keys are stored, so a copy of this folder alone reveals nothing. Unwrapped keys are
not cached in memory either: an erasure in one process takes effect in every process at once.

Why one SQLite file (``keys.sqlite3``) rather than one file per user:

- **Several processes.** Two uvicorn workers and ``python -m portal worker`` share the store.
  SQLite's file locks serialise their writes, and :meth:`SQLiteKeyStore.put` inserts only when
  no key exists, in one transaction, so two processes creating a user's first key at once end
  with the same key. With files this needs ``link``-not-``rename`` tricks and directory fsyncs.
- **Erasure.** ``PRAGMA secure_delete`` overwrites a deleted key with zeros in the file
  itself, and the rollback journal (not WAL, whose frames would keep old pages until a
  checkpoint) is removed at each commit. A deleted per-user file leaves its blocks to chance.
- **Rotation.** A later master-key rotation rewraps every row in one transaction.

The standard library's ``sqlite3`` is blocking, so each call runs in a thread
(``asyncio.to_thread``) on its own short-lived connection: nothing is shared between threads,
and opening a local SQLite file costs well under a millisecond against a key lookup per request
that decrypts. Local disks only: SQLite's locks are unreliable on network shares.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.settings import Settings, SettingsError

MASTER_KEY_ID = "mk1"  # stored with every wrapped key, so a rotation to "mk2" can rewrap them
KEY_SIZE = 32
NONCE_SIZE = 12


class DecryptionError(Exception):
    """The data cannot be read: no key, the wrong key, the wrong context, or tampering."""


class DataKeyMissing(DecryptionError):
    """The user has no data key: it was never created, or it was erased with their data."""


def aead(key: bytes) -> AESGCM:
    """AES-256-GCM under ``key``; refuses shorter keys rather than silently using AES-128."""
    if len(key) != KEY_SIZE:
        raise ValueError("AES-256-GCM needs a 32-byte key")
    return AESGCM(key)


SCHEMA = """
CREATE TABLE IF NOT EXISTS data_keys (
    user_id INTEGER PRIMARY KEY,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""


class KeyStore(Protocol):
    """Where the wrapped data keys live; a KMS-backed store implements the same three calls."""

    async def get(self, user_id: int) -> bytes | None:
        """The user's wrapped key, or ``None`` if they have none (never had one, or erased)."""
        ...

    async def put(self, user_id: int, wrapped: bytes) -> bytes:
        """Store ``wrapped`` unless the user already has a key; return the key now stored.

        Never replaces a key: of two processes racing to create one, both get the winner's.
        """
        ...

    async def delete(self, user_id: int) -> None:
        """Erase the user's key for good; erasing a missing key is not an error."""
        ...


class SQLiteKeyStore:
    """The key store in ``<directory>/keys.sqlite3`` (see the module docstring for why)."""

    def __init__(self, directory: Path, *, timeout: float = 30.0) -> None:
        self.directory = directory
        self.path = directory / "keys.sqlite3"
        self._timeout = timeout  # how long a writer waits for another process's lock
        self._ready = False
        self._ready_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            with self._ready_lock:
                if not self._ready:
                    self._create()
                    self._ready = True
        # Autocommit mode: each method below states its own transaction.
        connection = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        connection.execute("PRAGMA secure_delete = ON")
        return connection

    def _create(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Create the file ourselves so that it (and SQLite's journal, which copies the
        # database's permissions) is readable by the portal's user alone.
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        connection = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = DELETE")
            connection.execute(SCHEMA)
        finally:
            connection.close()

    def _get(self, user_id: int) -> bytes | None:
        connection = self._connect()
        try:
            row = connection.execute(
                "SELECT wrapped FROM data_keys WHERE user_id = ?", (user_id,)
            ).fetchone()
        finally:
            connection.close()
        return None if row is None else bytes(row[0])

    def _put(self, user_id: int, wrapped: bytes) -> bytes:
        connection = self._connect()
        try:
            # IMMEDIATE takes the write lock first, so no other process can delete or insert
            # between our insert and our read.
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute(
                    "INSERT INTO data_keys (user_id, wrapped) VALUES (?, ?) "
                    "ON CONFLICT (user_id) DO NOTHING",
                    (user_id, wrapped),
                )
                (stored,) = connection.execute(
                    "SELECT wrapped FROM data_keys WHERE user_id = ?", (user_id,)
                ).fetchone()
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        finally:
            connection.close()
        return bytes(stored)

    def _delete(self, user_id: int) -> None:
        connection = self._connect()
        try:
            connection.execute("DELETE FROM data_keys WHERE user_id = ?", (user_id,))
        finally:
            connection.close()

    async def get(self, user_id: int) -> bytes | None:
        return await asyncio.to_thread(self._get, _checked(user_id))

    async def put(self, user_id: int, wrapped: bytes) -> bytes:
        return await asyncio.to_thread(self._put, _checked(user_id), wrapped)

    async def delete(self, user_id: int) -> None:
        await asyncio.to_thread(self._delete, _checked(user_id))


def _checked(user_id: int) -> int:
    # An unsaved user's id is None, which SQLite would turn into a fresh row id: some later
    # user's id, who would then inherit this key.
    if type(user_id) is not int or user_id <= 0:
        raise ValueError(f"not a saved user's id: {user_id!r}")
    return user_id


class DataKeys:
    """Users' data keys: created on first use, unwrapped on demand, erased for good.

    Wrapping uses AES-GCM under the master key with ``mk1/users/<id>`` as associated data rather
    than AES key wrap (RFC 3394), which binds nothing: a wrapped key copied to another user's
    entry in the store would then unwrap, and that user's data would be encrypted under a key
    someone else also holds. Stored form: ``b"mk1." + nonce + sealed key``.
    """

    def __init__(
        self, store: KeyStore, master_keys: Mapping[str, bytes], *, current: str = MASTER_KEY_ID
    ) -> None:
        self.store = store
        self._masters = {key_id: aead(key) for key_id, key in master_keys.items()}
        if current not in self._masters:
            raise ValueError(f"no master key with id {current!r}")
        self._current = current

    @classmethod
    def from_settings(cls, settings: Settings) -> DataKeys:
        """The data keys of ``settings``: the key store folder and the master key as ``mk1``."""
        if len(settings.master_key) != KEY_SIZE:
            raise SettingsError("PORTAL_MASTER_KEY is not set: the portal cannot encrypt")
        return cls(SQLiteKeyStore(settings.keystore_dir), {MASTER_KEY_ID: settings.master_key})

    async def for_user(self, user_id: int, *, create: bool = True) -> bytes:
        """The user's 32-byte data key; with ``create`` (to encrypt), made on first use.

        Raises :class:`DataKeyMissing` when the user has none and ``create`` is false (reading
        after erasure), and :class:`DecryptionError` when the master key cannot unwrap it.
        """
        wrapped = await self.store.get(user_id)
        if wrapped is None:
            if not create:
                raise DataKeyMissing(f"user {user_id} has no data key (never created or erased)")
            # Whoever inserts first wins; every caller unwraps the key the store kept.
            wrapped = await self.store.put(user_id, self._wrap(user_id, AESGCM.generate_key(256)))
        return self._unwrap(user_id, wrapped)

    async def erase(self, user_id: int) -> None:
        """Delete the user's data key: everything encrypted under it becomes unreadable."""
        await self.store.delete(user_id)

    def _wrap(self, user_id: int, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._masters[self._current].encrypt(nonce, key, _wrap_ad(self._current, user_id))
        return self._current.encode("ascii") + b"." + nonce + sealed

    def _unwrap(self, user_id: int, wrapped: bytes) -> bytes:
        key_id_bytes, _, rest = wrapped.partition(b".")
        key_id = key_id_bytes.decode("ascii", "replace")
        master = self._masters.get(key_id)
        if master is None:
            raise DecryptionError(f"user {user_id}'s data key is wrapped by unknown {key_id!r}")
        try:
            return master.decrypt(rest[:NONCE_SIZE], rest[NONCE_SIZE:], _wrap_ad(key_id, user_id))
        except InvalidTag:
            raise DecryptionError(
                f"the master key cannot unwrap user {user_id}'s data key (wrong PORTAL_MASTER_KEY?)"
            ) from None


def _wrap_ad(key_id: str, user_id: int) -> bytes:
    return f"portal/data-key/{key_id}/users/{user_id}".encode()
