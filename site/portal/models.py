"""Imports every area's tables, so Alembic and the tests see the whole schema.

Each area adds its ``models`` module here when it gains tables.
"""

from __future__ import annotations

from portal.accounts import models as accounts
from portal.db import metadata
from portal.drawings import models as drawings
from portal.mail import models as mail
from portal.privacy import models as privacy
from portal.profile import models as profile
from portal.quotes import models as quotes
from portal.rights import models as rights
from portal.staff import models as staff

__all__ = [
    "accounts",
    "drawings",
    "mail",
    "metadata",
    "privacy",
    "profile",
    "quotes",
    "rights",
    "staff",
]
