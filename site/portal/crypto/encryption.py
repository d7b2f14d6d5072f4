"""Encryption at rest: drawings and sensitive invoice details, under per-user data keys (AES-256-GCM).

Each user has a random 256-bit data key. The master key (``PORTAL_MASTER_KEY``) wraps it, and
the wrapped key lives in the key store (``portal.crypto.keystore``), apart from the database and its
backups, so :meth:`DataKeys.erase` makes every copy of the user's encrypted data unreadable.

How an area uses it (``request.app.state.data_keys`` is the app's :class:`DataKeys`)::

    context = user_context(user.id, "invoice", "bank_account")   # "users/42/invoice/bank_account"
    key = await data_keys.for_user(user.id)                       # creates the key on first use
    row.bank_account = encrypt_field(key, "6222020200112233445", context=context)

    key = await data_keys.for_user(user.id, create=False)         # reading never creates a key
    number = decrypt_field(key, row.bank_account, context=context)

    await data_keys.erase(user.id)                                # deregistration: all gone

Every failure to read (no key, wrong key, another row's or user's ciphertext, tampering) raises
:class:`DecryptionError`; show the value as unavailable, never a 500. The context names the
exact place a value belongs, so a ciphertext copied to another column, row or user fails.
Size a column for :func:`field_token_length` of the longest value in UTF-8 bytes.

Large files (drawings) go through :func:`encrypt_stream` / :func:`decrypt_stream`, or the
incremental :class:`StreamEncryptor` / :class:`StreamDecryptor` from async code: 64 KiB segments
sealed one by one (the STREAM construction), so truncating, reordering or altering a file is
detected. A decryptor yields each segment once it is verified but can only detect truncation at
the end: treat everything it gave as lost when it raises (a download is broken off, a parser's
result discarded). Never write the plaintext of a drawing to disk, not even to a temporary file
(issue 10): ``portal.drawings.services.open_drawing`` streams it.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag

from portal.crypto.keystore import (
    KEY_SIZE,
    MASTER_KEY_ID,
    DataKeyMissing,
    DataKeys,
    DecryptionError,
    aead,
)

__all__ = [
    "KEY_SIZE",
    "MASTER_KEY_ID",
    "SEGMENT",
    "DataKeyMissing",
    "DataKeys",
    "DecryptionError",
    "StreamDecryptor",
    "StreamEncryptor",
    "decrypt_field",
    "decrypt_stream",
    "encrypt_field",
    "encrypt_stream",
    "field_token_length",
    "user_context",
]

NONCE_SIZE = 12
TAG_SIZE = 16
FIELD_VERSION = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


# -- fields --------------------------------------------------------------------------------


def user_context(user_id: int, *place: str) -> str:
    """The context of one of a user's values: ``user_context(42, "invoice", "bank_account")``."""
    return "/".join(("users", str(user_id), *place))


def field_token_length(plaintext_bytes: int) -> int:
    """The length of :func:`encrypt_field`'s token for a value of ``plaintext_bytes`` (UTF-8)."""
    sealed = plaintext_bytes + TAG_SIZE
    return len(f"{FIELD_VERSION}..{_b64(bytes(NONCE_SIZE))}") + (sealed * 4 + 2) // 3


def encrypt_field(key: bytes, plaintext: str, *, context: str) -> str:
    """Encrypt a short text for a VARCHAR column: ``v1.<nonce>.<ciphertext>`` in base64url.

    A fresh random 96-bit nonce each time, so equal values give different tokens.
    """
    nonce = os.urandom(NONCE_SIZE)
    sealed = aead(key).encrypt(nonce, plaintext.encode("utf-8"), _field_ad(context))
    return f"{FIELD_VERSION}.{_b64(nonce)}.{_b64(sealed)}"


def decrypt_field(key: bytes, token: str, *, context: str) -> str:
    """The text :func:`encrypt_field` sealed with ``key`` and ``context``; else DecryptionError."""
    try:
        version, nonce_text, sealed_text = token.split(".")
        if version != FIELD_VERSION:
            raise ValueError(version)
        nonce = _unb64(nonce_text)
        if len(nonce) != NONCE_SIZE:
            raise ValueError("nonce")
        plaintext = aead(key).decrypt(nonce, _unb64(sealed_text), _field_ad(context))
        return plaintext.decode("utf-8")
    except (ValueError, binascii.Error, InvalidTag):  # UnicodeDecodeError is a ValueError
        raise DecryptionError(f"cannot decrypt the value of {context}") from None


def _field_ad(context: str) -> bytes:
    return b"portal/field/v1\x00" + context.encode("utf-8")


# -- streams (STREAM: Hoang, Reyhanitabar, Rogaway, Vizar 2015) ---------------------------

SEGMENT = 64 * 1024
STREAM_MAGIC = b"PSE1"  # format version; the segment size belongs to it
PREFIX_SIZE = 8  # random per stream; the nonce is prefix + 32-bit segment counter
HEADER_SIZE = len(STREAM_MAGIC) + PREFIX_SIZE
SEALED = SEGMENT + TAG_SIZE


class StreamEncryptor:
    """Feed plaintext with :meth:`update` in any pieces; :meth:`finalize` seals the last segment.

    Output: ``PSE1`` + nonce prefix, then segments of 64 KiB + tag. Each segment's nonce counts
    its position and its associated data holds the stream's header, the segment's index, whether
    it is the last, and the context (for a drawing: its owner and id). So reordering, dropping,
    truncating at a segment boundary, or moving a file to another drawing or user all fail, as
    in the STREAM construction.
    """

    def __init__(self, key: bytes, *, context: str) -> None:
        self._aead, self._context, self._counter = aead(key), context, 0
        self._header = STREAM_MAGIC + os.urandom(PREFIX_SIZE)
        self._buffer = bytearray()
        self._pending = self._header  # written before the first segment

    def update(self, data: bytes) -> bytes:
        self._buffer += data
        # Only finalize knows which segment is the last, so one byte at least stays behind.
        sealed = [self._seal(piece, last=False) for piece in _cut(self._buffer, SEGMENT)]
        out, self._pending = b"".join([self._pending, *sealed]), b""
        return out

    def finalize(self) -> bytes:
        return self._pending + self._seal(bytes(self._buffer), last=True)

    def _seal(self, segment: bytes, *, last: bool) -> bytes:
        nonce, ad = _segment(self._header, self._counter, last, self._context)
        self._counter += 1
        return self._aead.encrypt(nonce, segment, ad)


class StreamDecryptor:
    """The reverse of :class:`StreamEncryptor`; raises DecryptionError on any alteration."""

    def __init__(self, key: bytes, *, context: str) -> None:
        self._aead, self._context, self._counter = aead(key), context, 0
        self._header = b""
        self._buffer = bytearray()

    def update(self, data: bytes) -> bytes:
        self._buffer += data
        if not self._header:
            if len(self._buffer) < HEADER_SIZE:
                return b""
            self._header = bytes(self._buffer[:HEADER_SIZE])
            del self._buffer[:HEADER_SIZE]
            if not self._header.startswith(STREAM_MAGIC):
                raise DecryptionError("not an encrypted stream of this portal")
        # A segment with more bytes after it is not the last one.
        return b"".join(self._open(piece, last=False) for piece in _cut(self._buffer, SEALED))

    def finalize(self) -> bytes:
        if not self._header:
            raise DecryptionError(f"the encrypted stream of {self._context} is truncated")
        return self._open(bytes(self._buffer), last=True)

    def _open(self, sealed: bytes, *, last: bool) -> bytes:
        nonce, ad = _segment(self._header, self._counter, last, self._context)
        self._counter += 1
        try:
            return self._aead.decrypt(nonce, sealed, ad)
        except InvalidTag:
            raise DecryptionError(
                f"segment {self._counter - 1} of {self._context} is altered, misplaced or missing"
            ) from None


def _cut(buffer: bytearray, size: int) -> list[bytes]:
    """Take whole pieces of ``size`` off the front of ``buffer``, leaving at least one byte."""
    count = max(0, (len(buffer) - 1) // size)
    pieces = [bytes(buffer[index * size : (index + 1) * size]) for index in range(count)]
    del buffer[: count * size]  # once: deleting piece by piece would copy the rest each time
    return pieces


def _segment(header: bytes, counter: int, last: bool, context: str) -> tuple[bytes, bytes]:
    if counter >= 2**32:
        raise ValueError("stream too long: the segment counter would repeat a nonce")
    index = struct.pack(">I", counter)
    nonce = header[len(STREAM_MAGIC) :] + index
    # The nonce already carries the index, and GCM authenticates the nonce; the associated data
    # states it again, with the last flag and the file's context (its owner and id), so that
    # what a segment is bound to can be read in one place and does not rest on the nonce layout.
    ad = b"portal/stream/v1\x00" + header + index + (b"\x01" if last else b"\x00")
    return nonce, ad + context.encode()


def encrypt_stream(key: bytes, chunks: Iterable[bytes], *, context: str) -> Iterator[bytes]:
    """Encrypt ``chunks`` (pieces of any size, e.g. a file read in blocks) piece by piece."""
    encryptor = StreamEncryptor(key, context=context)
    for chunk in chunks:
        if out := encryptor.update(chunk):
            yield out
    yield encryptor.finalize()


def decrypt_stream(key: bytes, chunks: Iterable[bytes], *, context: str) -> Iterator[bytes]:
    """Decrypt what :func:`encrypt_stream` made; DecryptionError, at the latest at the end."""
    decryptor = StreamDecryptor(key, context=context)
    for chunk in chunks:
        if out := decryptor.update(chunk):
            yield out
    yield decryptor.finalize()
