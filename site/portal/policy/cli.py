"""The command line of the policy build, shared by ``build.py`` and ``python -m portal policy``."""

from __future__ import annotations

import sys
import time

from portal import i18n
from portal.policy.check import check_content
from portal.policy.generator import build
from portal.policy.model import ContentError
from portal.quotes.rates import check_pricing
from portal.settings import Settings
from portal.templating import create_environment

USAGE = "usage: python build.py [check]\n  (no argument) build the policy into site/public/\n  check  lint content/ (the policy, the inventory, the pricing) and write nothing\n"


def run_check(settings: Settings) -> int:
    """Lint the policy, the inventory and the sales team's pricing (content/pricing.toml)."""
    policy, problems = check_content(settings.content_dir)
    pricing, pricing_problems = check_pricing(settings.content_dir / "pricing.toml")
    problems = [*problems, *pricing_problems]
    for problem in problems:
        print(_relative(settings, str(problem)), file=sys.stderr)
    if policy is None or pricing is None:
        print(f"check: {len(problems)} problem(s); nothing was built", file=sys.stderr)
        return 1
    materials = sum(len(process.materials) for process in pricing.processes.values())
    print(
        f"check: {len(policy.versions)} versions, {len(policy.inventory.scenarios)} inventory "
        f"scenarios, pricing of {len(pricing.processes)} processes and {materials} materials, "
        "all good"
    )
    return 0


def run_build(settings: Settings) -> int:
    i18n.configure(settings.locales_dir)
    started = time.perf_counter()
    try:
        report = build(
            settings.content_dir,
            settings.public_dir,
            create_environment(settings),
            locales_dir=settings.locales_dir,
            templates_dir=settings.templates_dir,
            cache_path=settings.var_dir / "cache" / "policy-build.pickle",
        )
    except ContentError as error:
        for problem in error.problems:
            print(_relative(settings, str(problem)), file=sys.stderr)
        print(
            f"build: {len(error.problems)} problem(s); the published policy was left as it was",
            file=sys.stderr,
        )
        return 1
    elapsed = time.perf_counter() - started
    print(
        f"build: {report.versions} versions, {report.files} files "
        f"({report.rendered} rendered, the rest cached; {report.written} changed on disk) "
        f"in {elapsed:.2f} s -> "
        f"{_relative(settings, str(settings.public_dir / 'policy'))}"
    )
    return 0


def _relative(settings: Settings, text: str) -> str:
    return text.replace(str(settings.root_dir) + "/", "")


def main(argv: list[str]) -> int:
    settings = Settings.from_env(require_secret=False)
    if not argv:
        return run_build(settings)
    if argv == ["check"]:
        return run_check(settings)
    print(USAGE, file=sys.stderr)
    return 2
