"""Encrypted fields (bank accounts): secret, bound to their user and place, tamper-evident."""

from __future__ import annotations

import pytest

from portal.crypto import (
    DataKeys,
    DecryptionError,
    decrypt_field,
    encrypt_field,
    field_token_length,
    user_context,
)
from tests.support.crypto import (
    ALICE,
    BANK_ACCOUNT,
    BOB,
    bank_account_of,
)


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
