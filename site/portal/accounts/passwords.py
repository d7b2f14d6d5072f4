"""Passwords: argon2id hashes, rehashed when the parameters change, and the rules users see."""

from __future__ import annotations

import contextlib
import gzip
import unicodedata
from functools import cache
from pathlib import Path

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.i18n import LazyString, lazy_gettext

MIN_LENGTH = 10
MAX_LENGTH = 128  # argon2 takes any length; a cap stops multi-megabyte "passwords"
COMMON_PASSWORDS = Path(__file__).resolve().parents[1] / "data" / "common-passwords.txt.gz"

# RFC 9106's second recommended option (argon2id, t=3, 64 MiB, p=4): argon2-cffi's defaults.
HASHER = PasswordHasher()
# Verifying against a fixed hash when the account does not exist takes as long as a real
# check, so response times do not reveal which addresses have accounts.
_DUMMY_HASH = HASHER.hash("not a real password: a fixed hash for timing")


@cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(password: str, *, email: str | None = None) -> LazyString | None:
    """Why ``password`` may not be used, in words the user understands; ``None`` if it may."""
    if len(password) < MIN_LENGTH:
        return lazy_gettext("Use at least 10 characters.")
    if len(password) > MAX_LENGTH:
        return lazy_gettext("Use at most 128 characters.")
    lowered = _comparable(password)
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return lazy_gettext("This password is too common and easy to guess. Choose another.")
    if email and (lowered == _comparable(email) or lowered == _comparable(email.split("@")[0])):
        return lazy_gettext("Your password must not be your email address.")
    return None


def _comparable(text: str) -> str:
    """``text`` as the rules compare it: NFKC folds the full-width letters and digits of a
    Chinese input method (Ｐａｓｓｗｏｒｄ１２３) into the ASCII ones of the list, then case is
    folded. Only the checks use this form; the password itself is hashed as typed."""
    return unicodedata.normalize("NFKC", text).casefold()


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check ``password``; returns (ok, a new hash to store when the parameters changed)."""
    if not stored_hash:
        _dummy_verify(password)
        return False, None
    try:
        HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    return True, HASHER.hash(password) if HASHER.check_needs_rehash(stored_hash) else None


async def hash_password_off_loop(password: str) -> str:
    """:func:`hash_password` in a worker thread: argon2 takes ~0.1 s of CPU by design, and on
    the event loop it would stall every other request of this process meanwhile."""
    return await anyio.to_thread.run_sync(hash_password, password)


async def verify_password_off_loop(
    stored_hash: str | None, password: str
) -> tuple[bool, str | None]:
    """:func:`verify_password` in a worker thread, for the same reason."""
    return await anyio.to_thread.run_sync(verify_password, stored_hash, password)


def _dummy_verify(password: str) -> None:
    with contextlib.suppress(VerifyMismatchError):
        HASHER.verify(_DUMMY_HASH, password)
