"""Encryption at rest: bank accounts and drawings stay secret, bound to their place, and erasable."""

from __future__ import annotations

import asyncio
import base64
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from portal.crypto import (
    MASTER_KEY_ID,
    SEGMENT,
    DataKeyMissing,
    DataKeys,
    DecryptionError,
    decrypt_field,
    decrypt_stream,
    encrypt_field,
    encrypt_stream,
    field_token_length,
    user_context,
)
from portal.crypto.keystore import SQLiteKeyStore
from portal.settings import ROOT, Settings, SettingsError
from tests.support.site import TEST_MASTER_KEY, make_settings

BANK_ACCOUNT = "6222 0202 0011 2233 445"
ALICE, BOB = 41, 42
# Real CAD files (trimesh's models, MIT licence: see LICENSE-trimesh-models.md beside them).
DRAWINGS = ROOT / "tests" / "data" / "drawings"  # real CAD files (trimesh, MIT): README.md
STRONG_SECRET = "k" * 32


@pytest.fixture
def keystore_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def data_keys(keystore_dir: Path) -> DataKeys:
    return DataKeys(SQLiteKeyStore(keystore_dir), {MASTER_KEY_ID: TEST_MASTER_KEY})


def bank_account_of(user_id: int) -> str:
    return user_context(user_id, "invoice", "bank_account")


def every_byte_in(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in directory.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def drawing(name: str = "featuretype.STEP") -> bytes:
    return (DRAWINGS / name).read_bytes()


# -- fields ----------------------------------------------------------------------------------


async def test_a_bank_account_round_trips_and_the_token_fits_its_column(
    data_keys: DataKeys,
) -> None:
    key = await data_keys.for_user(ALICE)
    token = encrypt_field(key, BANK_ACCOUNT, context=bank_account_of(ALICE))

    assert BANK_ACCOUNT not in token
    assert token.startswith("v1.")
    assert token.isascii()
    assert " " not in token
    assert len(token) == field_token_length(len(BANK_ACCOUNT.encode()))
    reread = await data_keys.for_user(ALICE, create=False)
    assert decrypt_field(reread, token, context=bank_account_of(ALICE)) == BANK_ACCOUNT


@pytest.mark.parametrize("value", ["", "上海市浦东新区 银行账户", "x" * 5000])
def test_empty_chinese_and_long_values_round_trip(value: str) -> None:
    key = bytes(range(32))
    token = encrypt_field(key, value, context="users/1/invoice/bank_name")
    assert len(token) == field_token_length(len(value.encode()))
    assert decrypt_field(key, token, context="users/1/invoice/bank_name") == value


def test_the_same_value_never_encrypts_the_same_way_twice() -> None:
    key = bytes(range(32))
    one = encrypt_field(key, BANK_ACCOUNT, context=bank_account_of(ALICE))
    two = encrypt_field(key, BANK_ACCOUNT, context=bank_account_of(ALICE))
    assert one.split(".")[1] != two.split(".")[1]  # fresh nonce
    assert one != two  # so equal bank accounts cannot be spotted in the table


async def test_another_users_key_cannot_read_it(data_keys: DataKeys) -> None:
    alice, bob = await data_keys.for_user(ALICE), await data_keys.for_user(BOB)
    assert alice != bob
    token = encrypt_field(alice, BANK_ACCOUNT, context=bank_account_of(ALICE))
    with pytest.raises(DecryptionError):
        decrypt_field(bob, token, context=bank_account_of(ALICE))


@pytest.mark.parametrize(
    "elsewhere",
    [
        bank_account_of(BOB),
        user_context(ALICE, "invoice", "tax_number"),
        "users/4/invoice/bank_account",
    ],
)
def test_a_value_moved_to_another_place_does_not_decrypt(elsewhere: str) -> None:
    key = bytes(range(32))
    token = encrypt_field(key, BANK_ACCOUNT, context=bank_account_of(ALICE))
    with pytest.raises(DecryptionError, match=elsewhere):
        decrypt_field(key, token, context=elsewhere)


def tampered_tokens(token: str) -> list[str]:
    version, nonce, sealed = token.split(".")
    flipped = sealed[:10] + ("A" if sealed[10] != "A" else "B") + sealed[11:]
    return [
        f"{version}.{nonce}.{flipped}",  # one ciphertext character changed
        f"{version}.{nonce[::-1]}.{sealed}",  # another nonce
        f"{version}.{nonce}.{sealed[:-4]}",  # shortened
        f"v2.{nonce}.{sealed}",  # unknown version
        f"{version}.{nonce}",  # a part missing
        f"{version}.{nonce}.{sealed}.x",  # a part too many
        f"{version}.{nonce}.{sealed[:5]}*{sealed[6:]}",  # not base64url
        f"{version}.{nonce[:8]}.{sealed}",  # a short nonce
        "",
        BANK_ACCOUNT,  # a value stored before encryption
    ]


@pytest.mark.parametrize("index", range(10))
def test_tampering_is_one_clear_error(index: int) -> None:
    key = bytes(range(32))
    token = encrypt_field(key, BANK_ACCOUNT, context=bank_account_of(ALICE))
    with pytest.raises(DecryptionError):
        decrypt_field(key, tampered_tokens(token)[index], context=bank_account_of(ALICE))


# -- data keys and the key store -------------------------------------------------------------


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


# -- the master key setting ------------------------------------------------------------------


def environ(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PORTAL_VAR_DIR": str(tmp_path / "var"), "PORTAL_SECRET_KEY": STRONG_SECRET, **values}


def test_production_without_a_master_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTAL_MASTER_KEY is not set") as error:
        Settings.from_env(environ(tmp_path, PORTAL_ENV="production"))
    assert "secrets.token_urlsafe(32)" in str(error.value)  # says how to make one
    assert not (tmp_path / "var" / "master_key").exists()  # and never invents one


def test_production_reads_the_master_key_and_the_key_store_folder(tmp_path: Path) -> None:
    key = bytes(range(100, 132))
    settings = Settings.from_env(
        environ(
            tmp_path,
            PORTAL_ENV="production",
            PORTAL_MASTER_KEY=base64.urlsafe_b64encode(key).decode().rstrip("="),
            PORTAL_KEYSTORE_DIR=str(tmp_path / "kms"),
        )
    )
    assert settings.master_key == key
    assert settings.keystore_dir == tmp_path / "kms"
    assert key not in repr(settings).encode()
    assert "master_key" not in repr(settings)


@pytest.mark.parametrize(
    "value", ["too-short", "!" * 43, base64.urlsafe_b64encode(bytes(31)).decode()]
)
def test_a_malformed_master_key_is_a_clear_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match="PORTAL_MASTER_KEY must hold 32 bytes"):
        Settings.from_env(environ(tmp_path, PORTAL_MASTER_KEY=value))


def test_development_generates_a_master_key_once_and_reuses_it(tmp_path: Path) -> None:
    first = Settings.from_env(environ(tmp_path))
    key_file = tmp_path / "var" / "master_key"
    assert len(first.master_key) == 32
    assert mode(key_file) == 0o600  # readable by the portal's user only
    assert sorted(path.name for path in key_file.parent.iterdir()) == ["master_key"]  # no drafts
    assert first.keystore_dir == tmp_path / "var" / "keys"

    assert Settings.from_env(environ(tmp_path)).master_key == first.master_key
    assert Settings.from_env(environ(tmp_path / "other")).master_key != first.master_key


def test_build_tools_need_no_master_key(tmp_path: Path) -> None:
    settings = Settings.from_env({"PORTAL_ENV": "production"}, require_secret=False)
    assert settings.master_key == b""


# -- streams (drawings) ----------------------------------------------------------------------


def blocks(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


def encrypted(data: bytes, key: bytes, context: str, size: int = 10_000) -> bytes:
    return b"".join(encrypt_stream(key, blocks(data, size), context=context))


def decrypted(data: bytes, key: bytes, context: str, size: int = 7_000) -> bytes:
    return b"".join(decrypt_stream(key, blocks(data, size), context=context))


async def test_a_real_drawing_round_trips_in_segments(data_keys: DataKeys) -> None:
    original = drawing()
    assert len(original) > 3 * SEGMENT  # several segments
    key = await data_keys.for_user(ALICE)
    context = user_context(ALICE, "drawings", "17")

    sealed = encrypted(original, key, context)
    assert original[:4096] not in sealed
    assert decrypted(sealed, key, context) == original
    assert decrypted(sealed, key, context, size=1) == original  # any piece size
    assert encrypted(original, key, context) != sealed  # a fresh nonce prefix per file


@pytest.mark.parametrize("length", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 2 * SEGMENT])
def test_files_of_edge_sizes_round_trip(length: int) -> None:
    key, data = bytes(range(32)), bytes(index % 251 for index in range(length))
    assert decrypted(encrypted(data, key, "users/1/drawings/1"), key, "users/1/drawings/1") == data


def test_a_small_drawing_round_trips() -> None:
    original, key = drawing("unit_cube.STL"), bytes(range(32))
    assert decrypted(encrypted(original, key, "c"), key, "c") == original


def segments_of(sealed: bytes) -> tuple[bytes, list[bytes]]:
    header, body = sealed[:12], sealed[12:]
    return header, blocks(body, SEGMENT + 16)


def altered_drawings(sealed: bytes) -> dict[str, bytes]:
    header, parts = segments_of(sealed)
    middle = len(sealed) // 2
    return {
        "last segment dropped": header + b"".join(parts[:-1]),
        "cut mid-segment": sealed[: len(sealed) - 100],
        "header only": header,
        "cut inside the header": sealed[:6],
        "segments swapped": header + parts[1] + parts[0] + b"".join(parts[2:]),
        "a byte flipped": sealed[:middle] + bytes([sealed[middle] ^ 1]) + sealed[middle + 1 :],
        "data appended": sealed + b"\0" * 16,
        "another nonce prefix": header[:4] + bytes(8) + b"".join(parts),
        "not ours": b"GIF89a" + sealed[6:],
    }


@pytest.mark.parametrize("alteration", list(altered_drawings(b"\0" * (4 * SEGMENT))))
def test_truncated_reordered_or_tampered_drawings_are_refused(alteration: str) -> None:
    key, context = bytes(range(32)), user_context(ALICE, "drawings", "17")
    sealed = encrypted(drawing(), key, context)
    with pytest.raises(DecryptionError):
        decrypted(altered_drawings(sealed)[alteration], key, context)


def test_a_drawing_under_another_key_or_context_is_refused() -> None:
    key, context = bytes(range(32)), user_context(ALICE, "drawings", "17")
    sealed = encrypted(drawing("box.obj"), key, context)
    with pytest.raises(DecryptionError):
        decrypted(sealed, bytes(32), context)
    with pytest.raises(DecryptionError):
        decrypted(sealed, key, user_context(BOB, "drawings", "17"))
