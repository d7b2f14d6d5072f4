"""Data keys and the key store: one wrapped key per user, erasable for good, shared by processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from portal.crypto import (
    MASTER_KEY_ID,
    DataKeyMissing,
    DataKeys,
    DecryptionError,
    decrypt_field,
    encrypt_field,
)
from portal.crypto.keystore import SQLiteKeyStore
from portal.settings import ROOT, SettingsError
from tests.support.crypto import (
    ALICE,
    BANK_ACCOUNT,
    BOB,
    bank_account_of,
    every_byte_in,
    mode,
)
from tests.support.site import TEST_MASTER_KEY, make_settings


async def test_erasing_a_users_key_makes_their_data_unreadable_for_good(
    data_keys: DataKeys, keystore_dir: Path
) -> None:
    key = await data_keys.for_user(ALICE)
    token = encrypt_field(key, BANK_ACCOUNT, context=bank_account_of(ALICE))
    wrapped = await data_keys.store.get(ALICE)
    assert wrapped is not None
    bob_key = await data_keys.for_user(BOB)

    await data_keys.erase(ALICE)

    with pytest.raises(DataKeyMissing):
        await data_keys.for_user(ALICE, create=False)
    # Nothing of the old wrapped key is left in the file (secure_delete), and others keep theirs.
    assert wrapped not in every_byte_in(keystore_dir)
    assert await data_keys.for_user(BOB, create=False) == bob_key
    fresh = await data_keys.for_user(ALICE)  # the account signs up again
    assert fresh != key
    with pytest.raises(DecryptionError):
        decrypt_field(fresh, token, context=bank_account_of(ALICE))
    await data_keys.erase(ALICE)
    await data_keys.erase(ALICE)  # erasing twice is fine


async def test_the_key_store_holds_wrapped_keys_only(
    data_keys: DataKeys, keystore_dir: Path
) -> None:
    keys = [await data_keys.for_user(user_id) for user_id in range(1, 6)]
    wrapped = await data_keys.store.get(1)

    assert wrapped is not None
    assert wrapped.startswith(b"mk1.")
    assert keys[0] not in wrapped
    contents = every_byte_in(keystore_dir)
    for key in keys:
        assert key not in contents
    assert mode(keystore_dir) == 0o700  # readable by the portal's user only
    assert mode(keystore_dir / "keys.sqlite3") == 0o600


async def test_a_wrong_master_key_cannot_unwrap_and_does_not_replace_the_key(
    data_keys: DataKeys, keystore_dir: Path
) -> None:
    await data_keys.for_user(ALICE)
    wrapped = await data_keys.store.get(ALICE)
    intruder = DataKeys(SQLiteKeyStore(keystore_dir), {MASTER_KEY_ID: bytes(32)})

    with pytest.raises(DecryptionError, match="cannot unwrap"):
        await intruder.for_user(ALICE)
    assert await data_keys.store.get(ALICE) == wrapped
    unknown = DataKeys(SQLiteKeyStore(keystore_dir), {"mk2": TEST_MASTER_KEY}, current="mk2")
    with pytest.raises(DecryptionError, match="mk1"):
        await unknown.for_user(ALICE)


async def test_a_wrapped_key_copied_to_another_user_does_not_unwrap(
    data_keys: DataKeys,
) -> None:
    await data_keys.for_user(ALICE)
    wrapped = await data_keys.store.get(ALICE)
    assert wrapped is not None
    await data_keys.store.put(BOB, wrapped)  # someone with access to the key store swaps keys
    with pytest.raises(DecryptionError):
        await data_keys.for_user(BOB)


@pytest.mark.parametrize("user_id", [None, 0, -1, "41", True])
async def test_only_saved_users_have_keys(data_keys: DataKeys, user_id: object) -> None:
    with pytest.raises(ValueError, match="not a saved user's id"):
        await data_keys.for_user(user_id)  # type: ignore[arg-type]


async def test_concurrent_first_uses_end_with_one_key(data_keys: DataKeys) -> None:
    keys = await asyncio.gather(*(data_keys.for_user(ALICE) for _ in range(8)))
    assert len(set(keys)) == 1
    assert await data_keys.for_user(ALICE, create=False) == keys[0]


CREATE_IN_ANOTHER_PROCESS = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from portal.crypto import MASTER_KEY_ID, DataKeys
    from portal.crypto.keystore import SQLiteKeyStore
    from tests.support.site import TEST_MASTER_KEY

    async def main():
        keys = DataKeys(SQLiteKeyStore(Path(sys.argv[1])), {MASTER_KEY_ID: TEST_MASTER_KEY})
        await asyncio.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # start together
        return await asyncio.gather(*(keys.for_user(user_id) for user_id in range(1, 101)))

    print(b"".join(asyncio.run(main())).hex())
    """
)


def test_processes_creating_keys_at_once_agree(data_keys: DataKeys, keystore_dir: Path) -> None:
    """Two uvicorn workers and the worker process may all encrypt for the same new users."""
    start_at = str(time.time() + 2)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CREATE_IN_ANOTHER_PROCESS, str(keystore_dir), start_at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [worker.communicate(timeout=60) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0]

    async def stored_keys() -> list[bytes]:
        return [await data_keys.for_user(user_id, create=False) for user_id in range(1, 101)]

    stored = asyncio.run(stored_keys())
    # Every process encrypted with the key that was kept: none of their data is lost.
    assert {output.strip() for output, _ in outputs} == {b"".join(stored).hex()}


def test_the_app_offers_the_data_keys(tmp_path: Path) -> None:
    from portal.app import create_app

    settings = make_settings(tmp_path)
    data_keys = create_app(settings).state.data_keys
    key = asyncio.run(data_keys.for_user(ALICE))
    assert len(key) == 32
    assert (settings.keystore_dir / "keys.sqlite3").exists()


def test_an_app_without_a_master_key_does_not_start(tmp_path: Path) -> None:
    from portal.app import create_app

    with pytest.raises(SettingsError, match="PORTAL_MASTER_KEY is not set"):
        create_app(make_settings(tmp_path, master_key=b""))
