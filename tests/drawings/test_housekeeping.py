"""The worker clears uploads a killed process left unfinished, and nothing else."""

from __future__ import annotations

import os
import time

from portal.drawings.housekeeping import remove_abandoned_uploads
from portal.drawings.local import WRITE_BUFFER, LocalStorage
from tests.support.drawing_store import content

KEY = "3f/3f2a9c0d5e8b4a7f9e1d2c3b4a596877"


async def test_a_fresh_store_has_nothing_to_clear(tmp_path) -> None:
    assert await remove_abandoned_uploads(LocalStorage(tmp_path / "never-written")) == 0


async def test_an_upload_left_for_hours_is_cleared_and_a_live_one_is_not(tmp_path) -> None:
    storage = LocalStorage(tmp_path / "drawings")
    dead = await storage.open_writer(KEY)
    await dead.write(content(2 * 1024 * 1024))
    live = await storage.open_writer("aa/aa000000000000000000000000000000")
    await live.write(content(WRITE_BUFFER))  # a slow upload's first mebibyte, on disk
    (dead_file,) = storage.path(KEY).parent.glob(".*.part")
    seven_hours_ago = time.time() - 7 * 3600
    os.utime(dead_file, (seven_hours_ago, seven_hours_ago))  # the process died back then

    assert await remove_abandoned_uploads(storage) == 1
    assert not dead_file.exists()
    await live.commit()
    assert await storage.exists("aa/aa000000000000000000000000000000")
