"""Deleting an account deletes its drawings' objects from the store, on both backends (a folder,
and S3 through moto), and leaves another customer's alone."""

from __future__ import annotations

import pytest

from portal.accounts.deregistration import Reason, delete_account
from portal.crypto import DataKeyMissing
from portal.drawings.services import store_drawing
from tests.support.drawing_store import MIB, content, upload
from tests.support.object_store import leftovers


async def stored(db_session, data_keys, storage, user, data: bytes):
    return await store_drawing(
        session=db_session,
        data_keys=data_keys,
        storage=storage,
        user=user,
        filename="part.step",
        chunks=upload(data),
        limit=10 * MIB,
    )


async def test_an_accounts_objects_leave_the_store_and_anothers_stay(
    db_session, storage, data_keys, alice, bob
) -> None:
    alices = [
        await stored(db_session, data_keys, storage, alice, content(MIB + n)) for n in range(2)
    ]
    bobs = await stored(db_session, data_keys, storage, bob, b"bob's bracket")
    alice_id = alice.id
    outcome = await delete_account(
        session=db_session,
        user=alice,
        data_keys=data_keys,
        storage=storage,
        reason=Reason.DELETION_REQUEST,
    )
    assert (outcome.deleted, outcome.objects_deleted, outcome.objects_left) == (True, 2, 0)
    assert [await storage.exists(d.storage_key) for d in alices] == [False, False]
    assert await storage.exists(bobs.storage_key)
    assert len(leftovers(storage)) == 1  # nothing half-written, nothing else
    with pytest.raises(DataKeyMissing):
        await data_keys.for_user(alice_id, create=False)
    assert await data_keys.for_user(bob.id, create=False)
