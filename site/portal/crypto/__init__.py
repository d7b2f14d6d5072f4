"""Encryption at rest (``encryption``), the key store of per-user data keys (``keystore``) and
keyed tags for signed links (``tags``). Areas import what they need from here."""

from __future__ import annotations

from portal.crypto.encryption import (
    KEY_SIZE,
    MASTER_KEY_ID,
    SEGMENT,
    DataKeyMissing,
    DataKeys,
    DecryptionError,
    StreamDecryptor,
    StreamEncryptor,
    decrypt_field,
    decrypt_stream,
    encrypt_field,
    encrypt_stream,
    field_token_length,
    user_context,
)
from portal.crypto.tags import address_tag

__all__ = [
    "KEY_SIZE",
    "MASTER_KEY_ID",
    "SEGMENT",
    "DataKeyMissing",
    "DataKeys",
    "DecryptionError",
    "StreamDecryptor",
    "StreamEncryptor",
    "address_tag",
    "decrypt_field",
    "decrypt_stream",
    "encrypt_field",
    "encrypt_stream",
    "field_token_length",
    "user_context",
]
