"""The drawings in a copy: decrypted byte for byte as uploaded, under safe and unique names, a
customer's own only, streamed a batch at a time, and a missing one said, not hidden."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from sqlmodel import select

from portal.db import create_engine, session_factory
from portal.drawings.models import Drawing
from portal.drawings.storage import DrawingStorage
from portal.profile.export import archive as archive_module
from portal.profile.export.archive import CopyArchive
from portal.profile.export.services import take_copy as take_copy_service
from portal.profile.my_data.services import site_inventory
from tests.support.accounts import GOOD
from tests.support.drawings import binary_stl, sample
from tests.support.exports import data_of, opened, take_copy, with_drawings
from tests.support.quotes import in_database

STEP = sample("featuretype.STEP")
MF3 = sample("featuretype.3MF")
STL = sample("20mm-xyz-cube.stl")


def test_drawings_come_out_byte_identical_under_safe_unique_names(signed_in, settings, app):
    with_drawings(
        settings,
        app,
        GOOD["email"],
        [
            ("Q-AAAA1111", "支架 bracket.STEP", STEP),
            ("Q-AAAA1111", "支架 bracket.step", MF3),  # the same name but for case
            ("Q-BBBB2222", 'cover: "v2"?.stl', STL),
            (None, "CON.stl", STL),
        ],
    )
    archive = opened(take_copy(signed_in))
    assert archive.testzip() is None
    expected = {
        "drawings/Q-AAAA1111/支架 bracket.STEP": STEP,
        "drawings/Q-AAAA1111/支架 bracket (2).step": MF3,
        "drawings/Q-BBBB2222/cover_ _v2__.stl": STL,
        "drawings/unattached/_CON.stl": STL,
    }
    drawings = {n: archive.read(n) for n in archive.namelist() if n.startswith("drawings/")}
    assert drawings == expected
    listed = {each["path"]: each for each in data_of(archive)["drawings"]}
    assert set(listed) == set(expected)
    for path, content in expected.items():
        assert listed[path]["sha256"] == hashlib.sha256(content).hexdigest()
        assert listed[path]["size"] == len(content)
        assert listed[path]["included"] is True
    assert listed["drawings/Q-BBBB2222/cover_ _v2__.stl"]["file_name"] == 'cover: "v2"?.stl'
    assert listed["drawings/unattached/_CON.stl"]["quote_reference"] is None


def test_another_customers_data_never_appears(signed_in, settings, app):
    theirs = binary_stl(300)
    with_drawings(
        settings, app, "other.customer@example.cn", [("Q-ZZZZ9999", "theirs.stl", theirs)]
    )
    with_drawings(settings, app, GOOD["email"], [("Q-AAAA1111", "mine.STEP", STEP)])
    response = take_copy(signed_in)
    archive = opened(response)
    assert [n for n in archive.namelist() if n.startswith("drawings/")] == [
        "drawings/Q-AAAA1111/mine.STEP"
    ]
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for trace in (b"other.customer", b"Q-ZZZZ9999", b"theirs.stl", theirs[84:400]):
        assert trace not in everything
        assert trace not in response.content  # nor in the archive's own headers
    assert [q["reference"] for q in data_of(archive)["quote_requests"]] == ["Q-AAAA1111"]


def test_a_drawing_whose_file_is_gone_is_listed_as_not_included(signed_in, settings, app):
    user = with_drawings(
        settings,
        app,
        GOOD["email"],
        [("Q-AAAA1111", "kept.stl", STL), ("Q-AAAA1111", "lost.stl", STL)],
    )
    data_before = data_of(opened(take_copy(signed_in)))
    lost = next(d for d in data_before["drawings"] if d["file_name"] == "lost.stl")
    storage: DrawingStorage = app.state.drawing_storage
    key = _storage_key(settings, user.id, lost["sha256"], "lost.stl")
    asyncio.run(storage.delete(key))

    archive = opened(take_copy(signed_in))
    assert archive.testzip() is None
    assert [n for n in archive.namelist() if n.startswith("drawings/")] == [
        "drawings/Q-AAAA1111/kept.stl"
    ]
    listed = {d["file_name"]: d for d in data_of(archive)["drawings"]}
    assert listed["lost.stl"]["included"] is False
    assert listed["lost.stl"]["path"] is None
    index = archive.read("index.html").decode()
    assert "could not be read" in index
    assert "lost.stl" in index


def test_the_archive_streams_in_batches_never_a_whole_drawing(settings, app):
    """Memory stays flat: the response is handed out about a megabyte at a time, not a drawing
    (here 6 MB) at once."""
    big = binary_stl(120_000)  # about 6 MB
    user = with_drawings(settings, app, "big@example.cn", [("Q-BIGG0001", "big.stl", big)])

    async def stream() -> tuple[list[int], bytes]:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                copy = await take_copy_service(
                    session=session,
                    user=user,
                    data_keys=app.state.data_keys,
                    storage=app.state.drawing_storage,
                    locale="en",
                    inventory=site_inventory(settings.content_dir),
                )
                archive = await CopyArchive.create(
                    copy, {"a.txt": b"a"}, data_keys=app.state.data_keys,
                    storage=app.state.drawing_storage,
                )  # fmt: skip
                sizes, body = [], bytearray()
                async for batch in archive.stream():
                    sizes.append(len(batch))
                    body += batch
                assert len(body) == len(archive)
                return sizes, bytes(body)
        finally:
            await engine.dispose()

    sizes, body = asyncio.run(stream())
    assert len(sizes) >= 4
    assert max(sizes) <= 3 * archive_module.BATCH_BYTES
    assert big in body  # stored, not compressed: the drawing's bytes as they are


def _storage_key(settings: Any, user_id: int, sha256: str, filename: str) -> str:
    async def work(session: Any) -> str:
        found = await session.execute(
            select(Drawing).where(
                Drawing.user_id == user_id, Drawing.sha256 == sha256, Drawing.filename == filename
            )
        )
        return found.scalars().one().storage_key

    key: str = in_database(settings, work)
    return key
