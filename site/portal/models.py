"""Imports every area's tables, so Alembic and the tests see the whole schema.

Each area adds its ``models`` module here when it gains tables.
"""

from __future__ import annotations

from portal.db import metadata

__all__ = ["metadata"]
