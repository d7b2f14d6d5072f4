"""What the test run may assume about the machine, read once from the environment."""

from __future__ import annotations

import os
from pathlib import Path

from portal.settings import ROOT

#: CI=true turns "not available here" into a failure: CI must never skip silently.
CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
#: For example ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "").strip()
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))

SCREENSHOTS_DIR = ROOT / "var" / "screenshots"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
