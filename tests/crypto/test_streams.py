"""Encrypted drawings: streamed in segments, refused when truncated, reordered or tampered."""

from __future__ import annotations

import pytest

from portal.crypto import (
    SEGMENT,
    DataKeys,
    DecryptionError,
    decrypt_stream,
    encrypt_stream,
    user_context,
)
from tests.support.crypto import (
    ALICE,
    BOB,
    drawing,
)


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
