"""Settings for tests, the policy build, and the compiled catalogues the site reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal import i18n
from portal.policy.generator import BuildReport, build
from portal.settings import ROOT, Settings
from portal.templating import create_environment

TEST_SECRET_KEY = "test-secret-key-not-for-production-0123456789"
TEST_MASTER_KEY = bytes(range(32))  # wraps the data keys of the test users; never in production


def make_settings(directory: Path, **overrides: Any) -> Settings:
    """Settings for one test: everything the app writes goes under ``directory``.

    ``public_dir`` defaults to an empty folder (no policy built); pass the ``built_policy``
    fixture's folder, as the ``settings`` fixture does, for a site with the real policy.
    """
    var_dir = directory / "var"
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": TEST_SECRET_KEY,
        "master_key": TEST_MASTER_KEY,
        "database_url": f"sqlite+aiosqlite:///{var_dir / 'portal.sqlite3'}",
        "root_dir": ROOT,
        "var_dir": var_dir,
        "keystore_dir": var_dir / "keys",
        "drawings_dir": var_dir / "drawings",
        "public_dir": directory / "public",
        "content_dir": ROOT / "content",
    }
    values.update(overrides)
    return Settings(**values)


def build_policy(content_dir: Path, public_dir: Path) -> BuildReport:
    """Run the real generator (no cache) on ``content_dir`` into ``public_dir/policy``."""
    settings = make_settings(public_dir.parent, content_dir=content_dir, public_dir=public_dir)
    i18n.configure(settings.locales_dir)
    return build(
        content_dir,
        public_dir,
        create_environment(settings),
        locales_dir=settings.locales_dir,
        templates_dir=settings.templates_dir,
        cache_path=None,
    )


def compile_stale_catalogues(locales_dir: Path = ROOT / "locales") -> list[Path]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older (as ``make`` would).

    ``make test`` compiles first; this keeps a bare ``pytest`` after a pull from testing the site
    against yesterday's translations.
    """
    compiled = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3])
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        compiled.append(mo_path)
    return compiled
