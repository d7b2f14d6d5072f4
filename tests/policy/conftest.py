"""Fixtures for the policy generator's tests: a copy of the content to break, and builds.

``content``   a copy of ``content/`` under ``tmp_path`` (a :class:`ContentCopy`) to edit freely.
``build``     ``build(content_dir=..., public_dir=..., cache=...)`` runs the real generator with the
              site's Jinja environment and catalogues; the defaults are this test's copy, a
              ``public/`` folder and a cache file under ``tmp_path``.
``built``     the real content built once for the module (``public/policy`` and its report).
``problems``  ``problems(content_dir)``: what ``check`` says, as ``(file, line, message)``
              with the file relative to ``content_dir``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest

from portal import i18n
from portal.policy.check import check_content
from portal.policy.generator import BuildReport
from portal.policy.generator import build as run_build
from portal.settings import ROOT, Settings
from portal.templating import create_environment
from tests.support.policy_build import CONTENT, Build, Built, ContentCopy, Problems


@pytest.fixture
def content(tmp_path: Path) -> ContentCopy:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return ContentCopy(root)


@pytest.fixture(scope="session")
def settings_for_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp("policy-var")
    return Settings(environment="test", root_dir=ROOT, var_dir=var_dir, content_dir=CONTENT)


@pytest.fixture(scope="session")
def environment(settings_for_build: Settings) -> jinja2.Environment:
    """The site's Jinja environment, with the real catalogues, as ``build.py`` uses it."""
    i18n.configure(settings_for_build.locales_dir)
    return create_environment(settings_for_build)


@pytest.fixture(scope="session")
def cache_salt_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Copies of the policy templates and the catalogues, for the build cache's key alone.

    The cache key covers the templates and compiled catalogues, and other work in this checkout
    (``make translations``, a ``pybabel compile``) may rewrite them while a test runs: the cache
    tests would then see every fragment rendered again. Rendering still uses the real files.
    """
    root = tmp_path_factory.mktemp("cache-salt")
    shutil.copytree(ROOT / "templates" / "policy", root / "templates" / "policy")
    for mo in (ROOT / "locales").glob("*/LC_MESSAGES/messages.mo"):
        target = root / "locales" / mo.relative_to(ROOT / "locales")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mo, target)
    return root / "templates", root / "locales"


@pytest.fixture
def build(
    tmp_path: Path,
    environment: jinja2.Environment,
    settings_for_build: Settings,
    cache_salt_dirs: tuple[Path, Path],
) -> Build:
    def run(
        content_dir: Path | None = None,
        public_dir: Path | None = None,
        cache: Path | None = tmp_path / "cache" / "policy-build.pickle",
    ) -> BuildReport:
        # Another test (or the app) may have pointed the catalogues elsewhere.
        i18n.configure(settings_for_build.locales_dir)
        return run_build(
            content_dir or tmp_path / "content",
            public_dir or tmp_path / "public",
            environment,
            templates_dir=cache_salt_dirs[0],
            locales_dir=cache_salt_dirs[1],
            cache_path=cache,
        )

    return run


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
    environment: jinja2.Environment,
    settings_for_build: Settings,
) -> Built:
    """The real content, built once for the module. Read it; do not change it."""
    public = tmp_path_factory.mktemp("built") / "public"
    i18n.configure(settings_for_build.locales_dir)
    report = run_build(
        CONTENT,
        public,
        environment,
        locales_dir=settings_for_build.locales_dir,
        templates_dir=settings_for_build.templates_dir,
        cache_path=None,
    )
    return Built(public / "policy", report)


@pytest.fixture
def problems() -> Problems:
    def run(content_dir: Path) -> list[tuple[str, int, str]]:
        policy, found = check_content(content_dir)
        assert (policy is None) == bool(found), "check returns a policy exactly when all is well"
        return [
            (problem.path.relative_to(content_dir).as_posix(), problem.line, problem.message)
            for problem in found
        ]

    return run
