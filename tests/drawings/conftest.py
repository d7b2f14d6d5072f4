"""Drawings' tests: every storage test runs once per backend.

moto_s3          moto's S3 server on loopback, one per session (``tests.support.object_store``).
storage_backend  ``"local"`` or ``"s3"``.
storage          that backend: a folder under the test's ``var/``, or a fresh bucket of its
                 own on ``moto_s3`` (one client, configured by ``S3Storage.from_settings``, is
                 shared by the session's buckets).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from portal.drawings.storage import DrawingStorage, storage_from_settings
from tests.support.object_store import MotoS3
from tests.support.site import make_settings


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    server = MotoS3()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
def storage_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def storage(
    storage_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DrawingStorage]:
    if storage_backend == "s3":
        moto: MotoS3 = request.getfixturevalue("moto_s3")
        yield moto.storage(moto.new_bucket())  # the session's client: moto_s3 closes it
        return
    backend = storage_from_settings(make_settings(tmp_path / "storage"))
    try:
        yield backend
    finally:
        await backend.close()
