"""Redirects that stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(value: object, default: str = "/") -> str:
    """Return ``value`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    if any(ch in value for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
