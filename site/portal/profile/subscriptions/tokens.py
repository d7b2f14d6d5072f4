"""The signed links of subscription mails (itsdangerous, the app's secret key, salts of their own).

- **Confirmation** (double opt-in): names the user, the address the mail went to and the topics
  it asks about; works for :data:`CONFIRM_DAYS` days.
- **Unsubscribe** (``List-Unsubscribe`` and the link in every mail's footer): names the user and
  the topics, and never expires, so a mail from last year still unsubscribes. It carries the
  account's creation time too, so a link can never act on a later account that got the same id.

Neither is stored: the signature is the authority, and a token that does not verify, or whose
payload is not what we write, reads as ``None`` (or raises :class:`LinkExpired`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadData, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from portal.crypto import address_tag
from portal.profile.subscriptions.topics import TOPICS

CONFIRM_SALT = "portal.subscriptions.confirm"
UNSUBSCRIBE_SALT = "portal.subscriptions.unsubscribe"
CONFIRM_DAYS = 7


class LinkExpired(Exception):
    """A confirmation link older than :data:`CONFIRM_DAYS` days (its signature is ours)."""


@dataclass(frozen=True)
class Confirmation:
    user_id: int
    address: str  # portal.crypto.address_tag of the address the mail was sent to
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Unsubscription:
    user_id: int
    created: int  # the account's creation time (whole seconds since the epoch)
    topics: tuple[str, ...]


def _topics(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(topic, str) and topic in TOPICS for topic in value):
        return None
    return tuple(topic for topic in TOPICS if topic in value)


def _user_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def confirmation_token(
    secret_key: str, *, user_id: int, email: str, topics: list[str] | tuple[str, ...]
) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)
    address = address_tag(secret_key, email)
    return serializer.dumps({"user": user_id, "address": address, "topics": list(topics)})


def read_confirmation(secret_key: str, token: str) -> Confirmation | None:
    """The confirmation a token names; ``None`` if it is not ours. Raises :class:`LinkExpired`."""
    serializer = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)
    try:
        payload = serializer.loads(token, max_age=CONFIRM_DAYS * 24 * 3600)
    except SignatureExpired as error:
        raise LinkExpired from error
    except BadData:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, address, topics = (
        _user_id(payload.get("user")),
        payload.get("address"),
        _topics(payload.get("topics")),
    )
    if user_id is None or not isinstance(address, str) or topics is None:
        return None
    return Confirmation(user_id, address, topics)


def unsubscribe_token(
    secret_key: str, *, user_id: int, created_at: datetime, topics: list[str] | tuple[str, ...]
) -> str:
    serializer = URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT)
    return serializer.dumps(
        {"user": user_id, "created": int(created_at.timestamp()), "topics": list(topics)}
    )


def read_unsubscription(secret_key: str, token: str) -> Unsubscription | None:
    """The unsubscription a token names; ``None`` if it is not ours (it never expires)."""
    try:
        payload = URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except BadData:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, created, topics = (
        _user_id(payload.get("user")),
        _user_id(payload.get("created")),
        _topics(payload.get("topics")),
    )
    if user_id is None or created is None or topics is None:
        return None
    return Unsubscription(user_id, created, topics)
