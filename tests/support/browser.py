"""Browser helpers: Debian's Chromium under Playwright, screenshots, and the axe-core check."""

from __future__ import annotations

import re
import weakref
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.environment import AXE_SCRIPT, SCREENSHOTS_DIR

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: The two widths every page is checked at: a phone and a laptop.
WIDTHS = (390, 1280)
BLOCKING_IMPACTS = ("serious", "critical")

_console: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()


def watch_console(page: Page) -> None:
    """Record console errors, uncaught exceptions and failed subresources.

    A CSP violation, a broken script or a missing stylesheet shows up here. The page's own
    status (a 404 page is meant to be a 404) is the test's business, so it is not recorded.
    """
    errors: list[str] = []
    _console[page] = errors

    def on_console(message: Any) -> None:
        # Chromium's "Failed to load resource" repeats what on_response reports more precisely.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console: {message.text}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and not response.request.is_navigation_request():
            errors.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"exception: {exc}"))
    page.on("response", on_response)
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))


def assert_no_console_errors(page: Page, *, allow: tuple[str, ...] = ()) -> None:
    r"""Nothing logged but the ``allow``\ ed (each an exact entry: ``"422 for <url>"`` for a
    form htmx sent back with its errors, which is the answer the test asked for)."""
    errors = [error for error in _console.get(page, []) if error not in allow]
    assert not errors, "the page logged errors:\n" + "\n".join(errors)


def screenshot(page: Page, name: str, widths: tuple[int, ...] = WIDTHS) -> list[Path]:
    """Save full-page PNGs of the current page at each width: ``var/screenshots/<name>-<w>.png``.

    The viewport is restored afterwards. Open the files to see what a person sees.
    """
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    paths = []
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": 800})
            path = SCREENSHOTS_DIR / f"{slug}-{width}.png"
            page.screenshot(path=str(path), full_page=True, animations="disabled")
            paths.append(path)
    finally:
        if original:
            page.set_viewport_size(original)
    return paths


def first_screen(page: Page, name: str) -> Path:
    """Save what the viewport shows, as it is: ``var/screenshots/<name>-first-screen.png``."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{slug}-first-screen.png"
    page.screenshot(path=str(path), full_page=False, animations="disabled")
    return path


# Contexts opened with ``java_script_enabled=False`` (the ``new_page`` fixture records them).
SCRIPTLESS_CONTEXTS: weakref.WeakSet[Any] = weakref.WeakSet()


def _axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"{AXE_SCRIPT} is missing: run `npm ci` (make test does) to install axe-core",
            pytrace=False,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Page, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return every violation (all impacts).

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern, so the
    check needs no exception in the policy. A context made with ``java_script_enabled=False``
    runs no timers, so ``axe.run`` would never settle there: such pages fail at once here and are
    checked with a screenshot instead.
    """
    if page.context in SCRIPTLESS_CONTEXTS:
        pytest.fail(
            "axe runs as a script and this page's context has JavaScript switched off: "
            "take a screenshot here and run axe on the same page in a test with JavaScript",
            pytrace=False,
        )
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        "async (options) => await window.axe.run(document, options)",
        {"resultTypes": ["violations"], **(options or {})},
    )
    return results["violations"]


def format_violations(violations: list[dict[str, Any]]) -> str:
    """One block per rule: id, impact, help and link, then each element with its first problem."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(
                " >> ".join(part) if isinstance(part, list) else str(part)
                for part in node["target"]
            )
            html = " ".join(node.get("html", "").split())
            html = html if len(html) <= 120 else html[:117] + "..."
            summary = [
                line.strip()
                for line in (node.get("failureSummary") or "").splitlines()
                if line.strip() and not line.strip().startswith("Fix ")
            ]
            lines.append(f"  - {target}   {html}")
            if summary:
                lines.append(f"      {summary[0]}")
    return "\n".join(lines)


def assert_accessible(page: Page, options: dict[str, Any] | None = None) -> None:
    """Fail on axe-core violations of impact serious or critical, naming rule and selectors.

    ``options`` go to ``axe.run`` (for example ``{"rules": {"region": {"enabled": False}}}``);
    disable a rule only with a comment that says why.
    """
    violations = [v for v in axe_violations(page, options) if v["impact"] in BLOCKING_IMPACTS]
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} serious or critical problem(s) on {page.url}:\n"
            + format_violations(violations),
            pytrace=False,
        )
