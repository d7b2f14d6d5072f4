"""Device cookies: the browsers an account has signed in with are not locked out by strangers.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": after a successful sign-in the
browser gets a cookie naming the account and a random nonce, signed with the secret key. A
login, or a request for a reset link, that presents a valid cookie for the account it names is
counted against that device (the nonce) only, and is not stopped by the account's lock, which
every other client shares (throttling.py). A stranger's guesses can therefore lock the account
for strangers, never for its owner's browsers; and a stolen cookie buys its thief nothing but
that device's own, equally strict, limit.

No table: the cookie carries everything, and a keyed digest of the account's password hash
binds it to the password. Changing the password (a reset, or the Personal Center) changes the
hash, which makes every device cookie of the account worthless at once, including the
browser's that changed it; its next sign-in issues a new one. (A rehash with new argon2
parameters, at a sign-in, does the same, harmlessly: that sign-in issues a new cookie.)

One cookie per browser, for the account it last signed in to: on a computer shared by two
accounts, only the last one's owner is recognised.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

from portal.accounts.models import User

DEVICE_COOKIE = "portal_device"
DEVICE_LIFETIME = timedelta(days=180)
_SALT = "portal.device"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def _password_tag(secret_key: str, password_hash: str) -> str:
    """A keyed digest of the password hash: changes with the password, reveals nothing of it."""
    digest = hmac.new(secret_key.encode(), b"device:" + password_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def issue(secret_key: str, user: User) -> str | None:
    """The cookie value for a browser that has just signed in to ``user``; ``None`` for an
    account without a password (nothing to guess, so nothing to protect)."""
    if user.id is None or not user.password_hash:
        return None
    return _serializer(secret_key).dumps(
        {
            "user": user.id,
            "nonce": secrets.token_urlsafe(16),
            "password": _password_tag(secret_key, user.password_hash),
        }
    )


def device_for(secret_key: str, cookie: str | None, user: User | None) -> str | None:
    """The device's nonce if ``cookie`` is a valid device cookie of ``user`` (signed by us, not
    older than :data:`DEVICE_LIFETIME`, issued under the current password); else ``None``."""
    if not cookie or user is None or not user.password_hash or len(cookie) > 500:
        return None
    try:
        payload = _serializer(secret_key).loads(
            cookie, max_age=int(DEVICE_LIFETIME.total_seconds())
        )
    except BadData:
        return None
    if not isinstance(payload, dict):
        return None
    named = payload.get("user")
    if type(named) is not int or named != user.id:
        return None
    tag, nonce = payload.get("password"), payload.get("nonce")
    if not isinstance(tag, str) or not isinstance(nonce, str) or not nonce:
        return None
    if not hmac.compare_digest(tag, _password_tag(secret_key, user.password_hash)):
        return None
    return nonce
