"""What the encryption tests share: two users, a bank account, the real drawings."""

from __future__ import annotations

import stat
from pathlib import Path

from portal.crypto import user_context
from portal.settings import ROOT

BANK_ACCOUNT = "6222 0202 0011 2233 445"
ALICE, BOB = 41, 42
# Real CAD files (trimesh's models, MIT licence: see LICENSE-trimesh-models.md beside them).
DRAWINGS = ROOT / "tests" / "data" / "drawings"


def bank_account_of(user_id: int) -> str:
    """The encryption context of a user's bank account."""
    return user_context(user_id, "invoice", "bank_account")


def every_byte_in(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in directory.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def drawing(name: str = "featuretype.STEP") -> bytes:
    return (DRAWINGS / name).read_bytes()
