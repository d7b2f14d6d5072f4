"""The references customers quote to us: ``Q-7K3M9XQ2`` for a quote request, ``R-…`` for a
privacy request. One scheme, so every kind is as hard to guess and as easy to read out.

Eight random characters of Crockford's base 32 without the letters read as digits (I, L, O)
nor U: 40 bits, so guessing one is hopeless and two records practically never draw the same
(the unique index catches the rare clash), and one read out on the phone or typed from a
printed page is not mistaken. A reference says nothing about how many others exist, and is the
only id in its record's address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8


@dataclass(frozen=True)
class References:
    """References of one kind: ``<letter>-`` and :data:`LENGTH` random characters."""

    letter: str

    @property
    def prefix(self) -> str:
        return f"{self.letter}-"

    def new(self) -> str:
        return self.prefix + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))

    def normalized(self, text: str) -> str | None:
        """The reference in a URL, upper-cased; None if it cannot be one of this kind (so the
        route answers 404 without a query)."""
        reference = text.strip().upper()
        if len(reference) != len(self.prefix) + LENGTH or not reference.startswith(self.prefix):
            return None
        if any(ch not in ALPHABET for ch in reference[len(self.prefix) :]):
            return None
        return reference


QUOTES = References("Q")
PRIVACY_REQUESTS = References("R")
