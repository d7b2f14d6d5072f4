"""The policy build: load -> model -> render -> write, with a cache for quick rebuilds.

Every rendered fragment is cached under a key made of the digests of everything it depends on
(its documents, its version's appendix, the templates and catalogues, this code), so a rebuild after one
version changed renders only that version and the diffs that touch it (and the change log when a
header changed), and the writer rewrites only the files whose content changed.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from portal.policy.check import check_content
from portal.policy.model import LOCALES, ContentError, Policy
from portal.policy.render import Renderer
from portal.policy.writer import Writer

CACHE_FORMAT = 1


@dataclass(frozen=True)
class BuildReport:
    versions: int
    files: int
    rendered: int  # fragments rendered in this build (the rest came from the cache)
    written: int = 0  # files created, replaced or deleted in the output (the rest were unchanged)


def environment_digest(templates_dir: Path, locales_dir: Path) -> str:
    """A digest of the templates, compiled catalogues and generator code a fragment depends on."""
    digest = hashlib.sha256(str(CACHE_FORMAT).encode())
    files = sorted((templates_dir / "policy").glob("*.html"))
    files += sorted(locales_dir.glob("*/LC_MESSAGES/messages.mo"))
    files += sorted(Path(__file__).parent.glob("*.py"))
    # The shared environment's filters (``localdate``) and gettext shape the fragments too.
    files += [Path(__file__).parents[1] / name for name in ("templating.py", "i18n.py")]
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


class _Cache:
    def __init__(self, path: Path | None, salt: str) -> None:
        self.path = path
        self.salt = salt
        self.entries: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.misses = 0
        if path and path.exists():
            try:
                with path.open("rb") as handle:
                    self.entries = pickle.load(handle)  # noqa: S301 - our own file under var/
            except Exception:  # noqa: BLE001 - a damaged cache is only a slower build
                self.entries = {}

    def get(self, parts: tuple[str, ...], render: Callable[[], str]) -> str:
        key = hashlib.sha256("\0".join((self.salt, *parts)).encode()).hexdigest()
        if key not in self.entries:
            self.entries[key] = render()
            self.misses += 1
        self.used[key] = self.entries[key]
        return self.used[key]

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            pickle.dump(self.used, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(self.path)


def manifest(policy: Policy) -> dict[str, Any]:
    """What the site needs to know without reading the fragments: versions and their headers."""
    return {
        "format": CACHE_FORMAT,
        "versions": [
            {
                "version": v.version,
                "effective": v.effective.isoformat(),
                "material": v.material,
                "summary": {loc: v.documents[loc].summary for loc in LOCALES},
                "title": {loc: v.documents[loc].title for loc in LOCALES},
                "anchors": [h.anchor for h in v.documents["en"].headings],
            }
            for v in policy.versions
        ],
    }


def build(
    content_dir: Path,
    out_dir: Path,
    env: jinja2.Environment,
    *,
    locales_dir: Path,
    templates_dir: Path,
    cache_path: Path | None = None,
) -> BuildReport:
    """Build the policy into ``out_dir/policy``; raise :class:`ContentError` on bad content."""
    policy, problems = check_content(content_dir)
    if policy is None:
        raise ContentError(problems)
    cache = _Cache(cache_path, environment_digest(templates_dir, locales_dir))
    renderer = Renderer(env, policy.inventory, policy.appendices)
    writer = Writer(out_dir / "policy")
    try:
        for version in policy.versions:
            previous = policy.previous(version)
            for locale in LOCALES:
                document = version.documents[locale]
                parts: tuple[str, ...] = (
                    "document",
                    locale,
                    document.digest,
                    policy.appendix(version).digest,
                    version.version,
                    previous.version if previous else "",
                )
                writer.write(
                    f"{version.version}/{locale}.html",
                    cache.get(
                        parts,
                        partial(renderer.document, version, document, previous),
                    ),
                )
                if previous is not None:
                    old = previous.documents[locale]
                    parts = ("diff", locale, old.digest, document.digest)
                    writer.write(
                        f"{version.version}/changes.{locale}.html",
                        cache.get(parts, partial(renderer.diff, old, document, version)),
                    )
        listing = json.dumps(manifest(policy), ensure_ascii=False, indent=1)
        for locale in LOCALES:
            # The change log shows the headers of every version: the manifest lists them all.
            writer.write(
                f"changes.{locale}.html",
                cache.get(("changes", locale, listing), partial(renderer.changes, policy, locale)),
            )
        writer.write("manifest.json", listing)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    cache.save()
    return BuildReport(len(policy.versions), len(writer.files), cache.misses, writer.changed)
