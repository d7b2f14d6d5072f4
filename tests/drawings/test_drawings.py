"""Customers' drawings: encrypted as they stream in, all or nothing, for their owner alone.

Each test runs on both stores (the local folder; S3 against moto's server on loopback) and on
both databases (SQLite; PostgreSQL when PORTAL_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import anyio
import pytest
from sqlalchemy.exc import IntegrityError
from starlette.requests import ClientDisconnect

from portal.accounts.models import User
from portal.crypto import SEGMENT, DecryptionError
from portal.drawings.models import Drawing, DrawingStatus
from portal.drawings.services import (
    DrawingNotFound,
    DrawingTooLarge,
    InvalidFilename,
    delete_drawing,
    open_drawing,
    store_drawing,
)
from portal.settings import ROOT
from tests.support.drawing_store import (
    MIB,
    content,
    drawing_rows,
    plaintext,
    raw_object,
    replace_object,
    upload,
)
from tests.support.object_store import leftovers

STEP_FILE = ROOT / "tests" / "data" / "drawings" / "featuretype.STEP"
SEALED = SEGMENT + 16
HEADER = 12
LIMIT = 64 * MIB


@pytest.fixture
def store(db_session, data_keys, storage):
    """``store_drawing`` on this test's database, key store and drawing store."""

    async def store(user: User, data: bytes | AsyncIterator[bytes], **options) -> Drawing:
        chunks = upload(data) if isinstance(data, bytes) else data
        options.setdefault("filename", "bracket.step")
        options.setdefault("limit", LIMIT)
        return await store_drawing(
            session=db_session,
            data_keys=data_keys,
            storage=storage,
            user=user,
            chunks=chunks,
            **options,
        )

    return store


@pytest.fixture
def read(db_session, data_keys, storage):
    """The plaintext ``open_drawing`` streams to ``user``."""

    async def read(user: User, drawing_id) -> bytes:
        opened = await open_drawing(
            session=db_session,
            data_keys=data_keys,
            storage=storage,
            user=user,
            drawing_id=drawing_id,
        )
        return await plaintext(opened.chunks)

    return read


# -- storing and reading ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 9 * MIB + 7], ids=lambda size: f"{size}B"
)
async def test_a_drawing_round_trips(store, read, storage, db_session, alice, size: int) -> None:
    data = content(size)
    drawing = await store(alice, data)

    assert await read(alice, drawing.id) == data
    (row,) = await drawing_rows(db_session)
    assert (row.id, row.user_id, row.filename) == (drawing.id, alice.id, "bracket.step")
    assert (row.size, row.sha256) == (size, hashlib.sha256(data).hexdigest())
    assert row.status == DrawingStatus.STORED
    assert len(leftovers(storage)) == 1  # the ciphertext, and nothing else
    segments = max(1, -(-size // SEGMENT))
    assert len(raw_object(storage, drawing.storage_key)) == HEADER + size + 16 * segments


async def test_only_ciphertext_reaches_the_store(store, read, storage, alice) -> None:
    step = STEP_FILE.read_bytes()
    drawing = await store(alice, step, filename="featuretype.STEP")
    stored = raw_object(storage, drawing.storage_key)
    for line in step.splitlines()[:40]:
        if len(line) >= 16:
            assert line not in stored
    assert b"ISO-10303-21" not in stored
    assert await read(alice, str(drawing.id)) == step  # the id as a URL gives it


async def test_the_same_file_twice_is_two_drawings_encrypted_apart(store, storage, alice) -> None:
    first, second = await store(alice, b"solid"), await store(alice, b"solid")
    assert first.id != second.id
    assert first.sha256 == second.sha256
    assert raw_object(storage, first.storage_key) != raw_object(storage, second.storage_key)


@pytest.mark.parametrize("name", ["零件图 v2 (最终).STEP", "  bracket.stp ", "a" * 255])
async def test_the_file_name_is_kept_as_the_customer_named_it(store, alice, name: str) -> None:
    assert (await store(alice, b"x", filename=name)).filename == name.strip()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("../../etc/passwd", "path"),
        ("C:\\Users\\li\\bracket.step", "path"),
        ("drawings/bracket.step", "path"),
        ("..", "path"),
        ("bracket\r\n.step", "line_break"),
        ("bracket\x00.step", "invisible"),
        ("invoice\u202egpj.exe", "invisible"),
        ("\u3164", "blank"),
        ("a" * 256, "too_long"),
    ],
)
async def test_a_file_name_that_is_a_path_or_not_one_line_is_refused(
    store, storage, db_session, alice, name: str, reason: str
) -> None:
    with pytest.raises(InvalidFilename) as refused:
        await store(alice, b"solid", filename=name)
    assert refused.value.reason == reason
    assert leftovers(storage) == []
    assert await drawing_rows(db_session) == []


# -- all or nothing --------------------------------------------------------------------------


async def test_an_oversize_upload_stops_at_the_limit_and_stores_nothing(
    store, storage, db_session, alice
) -> None:
    read_so_far = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            read_so_far.append(len(read_so_far))
            yield content(MIB)

    with pytest.raises(DrawingTooLarge) as refused:
        await store(alice, endless(), limit=12 * MIB)  # past an S3 part: multipart under way
    assert refused.value.limit == 12 * MIB
    assert len(read_so_far) == 13  # the piece that went past the limit, and not one more
    assert leftovers(storage) == []
    assert await drawing_rows(db_session) == []


async def test_a_drawing_of_exactly_the_limit_is_stored(store, read, alice) -> None:
    drawing = await store(alice, content(100_000), limit=100_000)
    assert len(await read(alice, drawing.id)) == 100_000


async def test_a_connection_cut_mid_upload_stores_nothing(
    store, storage, db_session, alice
) -> None:
    async def cut() -> AsyncIterator[bytes]:
        for _ in range(10):  # 10 MiB: one S3 part is already uploaded
            yield content(MIB)
        raise ClientDisconnect()

    with pytest.raises(ClientDisconnect):
        await store(alice, cut())
    assert leftovers(storage) == []
    assert await drawing_rows(db_session) == []


async def test_an_upload_whose_request_is_cancelled_stores_nothing(
    store, storage, db_session, alice
) -> None:
    # When the client goes away, the server cancels the request's work through an anyio
    # cancel scope (Starlette's task groups), where every later await is cancelled too: the
    # clean-up must still reach the store.
    waiting, never = anyio.Event(), anyio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        for _ in range(10):  # 10 MiB: one S3 part is already uploaded
            yield content(MIB)
        waiting.set()
        await never.wait()
        yield b"never sent"

    async with anyio.create_task_group() as request:
        request.start_soon(store, alice, stalled())
        await waiting.wait()
        request.cancel_scope.cancel()
    assert leftovers(storage) == []
    assert await drawing_rows(db_session) == []


async def test_a_row_the_database_refuses_leaves_no_object(store, storage, db_session) -> None:
    ghost = User(id=999_999, email="gone@example.cn")  # deleted while uploading: no such row
    with pytest.raises(IntegrityError):
        await store(ghost, content(3 * MIB))
    assert leftovers(storage) == []
    assert await drawing_rows(db_session) == []


# -- tampering -------------------------------------------------------------------------------


def tampered(sealed: bytes) -> dict[str, bytes]:
    header, body = sealed[:HEADER], sealed[HEADER:]
    parts = [body[start : start + SEALED] for start in range(0, len(body), SEALED)]
    middle = len(sealed) // 2
    return {
        "a byte flipped": sealed[:middle] + bytes([sealed[middle] ^ 0x01]) + sealed[middle + 1 :],
        "two segments swapped": header + parts[1] + parts[0] + b"".join(parts[2:]),
        "the last segment dropped": header + b"".join(parts[:-1]),
        "truncated mid-segment": sealed[: len(sealed) - 1000],
        "emptied": b"",
    }


@pytest.mark.parametrize("alteration", list(tampered(bytes(HEADER + 4 * SEALED))))
async def test_tampered_ciphertext_is_refused(store, read, storage, alice, alteration) -> None:
    drawing = await store(alice, content(3 * SEGMENT + 500))
    sealed = raw_object(storage, drawing.storage_key)
    replace_object(storage, drawing.storage_key, tampered(sealed)[alteration])
    with pytest.raises(DecryptionError):
        await read(alice, drawing.id)


# -- only the owner --------------------------------------------------------------------------


async def test_another_customer_finds_nothing(store, read, db_session, storage, alice, bob):
    drawing = await store(alice, b"alice's part")
    with pytest.raises(DrawingNotFound):
        await read(bob, drawing.id)
    with pytest.raises(DrawingNotFound):
        await delete_drawing(session=db_session, storage=storage, user=bob, drawing_id=drawing.id)
    assert await read(alice, drawing.id) == b"alice's part"


@pytest.mark.parametrize(
    "drawing_id", ["not-a-uuid", "", "1", "00000000-0000-0000-0000-000000000000"]
)
async def test_an_id_that_is_no_drawing_is_not_found(read, alice, drawing_id: str) -> None:
    with pytest.raises(DrawingNotFound):
        await read(alice, drawing_id)


async def test_another_users_key_cannot_decrypt_a_moved_ciphertext(
    store, read, storage, db_session, alice, bob
) -> None:
    theirs = await store(alice, content(SEGMENT + 10))
    mine = await store(bob, b"bob's own part")
    # Someone with access to the store puts Alice's ciphertext where Bob's drawing is.
    replace_object(storage, mine.storage_key, raw_object(storage, theirs.storage_key))
    with pytest.raises(DecryptionError):
        await read(bob, mine.id)
    # And within one account, a drawing's ciphertext does not pass for another drawing's.
    second = await store(alice, b"second")
    replace_object(storage, second.storage_key, raw_object(storage, theirs.storage_key))
    with pytest.raises(DecryptionError):
        await read(alice, second.id)


# -- deleting --------------------------------------------------------------------------------


async def test_deleting_removes_the_ciphertext_and_the_row(
    store, read, storage, db_session, alice
) -> None:
    kept = await store(alice, b"kept")
    gone = await store(alice, content(2 * MIB))
    await delete_drawing(session=db_session, storage=storage, user=alice, drawing_id=gone.id)

    assert not await storage.exists(gone.storage_key)
    assert [row.id for row in await drawing_rows(db_session)] == [kept.id]
    assert len(leftovers(storage)) == 1
    with pytest.raises(DrawingNotFound):
        await read(alice, gone.id)
    assert await read(alice, kept.id) == b"kept"


async def test_a_drawing_whose_ciphertext_is_gone_is_not_found(store, read, storage, alice):
    drawing = await store(alice, b"part")
    await storage.delete(drawing.storage_key)
    with pytest.raises(DrawingNotFound):
        await read(alice, drawing.id)
