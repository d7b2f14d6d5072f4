"""Keyed tags: name a value in a signed link without showing it."""

from __future__ import annotations

import hashlib
import hmac


def address_tag(secret_key: str, address: str) -> str:
    """A keyed digest of a mail address, for signed links that must name it without showing it.

    Links travel in query strings, which proxies and access logs record: a signed token (which
    itsdangerous encodes, not encrypts) holds this tag rather than the address. Case-blind.
    """
    digest = hmac.new(
        secret_key.encode(), b"portal.address:" + address.lower().encode(), hashlib.sha256
    )
    return digest.hexdigest()[:32]
