"""What every area's routes share about HTTP: the request helpers, CSRF, security headers, safe
redirects, compression and long-cached static files, one module each.

The request helpers are re-exported here, as every area's routes import them.
"""

from __future__ import annotations

from portal.web.requests import (
    Endpoint,
    UserEndpoint,
    current_user,
    is_htmx,
    login_redirect,
    rejected_status,
    require_user,
)

__all__ = [
    "Endpoint",
    "UserEndpoint",
    "current_user",
    "is_htmx",
    "login_redirect",
    "rejected_status",
    "require_user",
]
