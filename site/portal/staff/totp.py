"""Time-based one-time codes (RFC 6238) for staff sign-in, with pyotp.

A code is accepted in its own 30-second step or the steps either side (clocks drift, and a code
typed at the end of its step arrives in the next), and only once: the caller keeps the step of
the last accepted code and refuses any step not after it, so a code seen over a shoulder or in a
proxy log cannot be used again.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "Xometry Asia staff"
DIGITS = 6


def new_secret() -> str:
    """A fresh 160-bit secret, base32 (RFC 4226 recommends at least 128 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app enrols from (often shown as a QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS).provisioning_uri(name=email, issuer_name=ISSUER)


def clean_code(code: str) -> str:
    """The code as typed, without the spaces apps show in the middle ("123 456")."""
    return "".join(code.split())


def matching_step(secret: str, code: str, *, now: datetime, after: int = 0) -> int | None:
    """The time step whose code ``code`` is, if it is one of the three around ``now`` and later
    than step ``after`` (the last one accepted); else ``None``."""
    code = clean_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS)
    step = totp.timecode(now)
    for candidate in (step, step - 1, step + 1):
        if candidate > after and hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator app shows at ``when`` (for the tests and the enrolment check)."""
    return pyotp.TOTP(secret, digits=DIGITS).at(when)
