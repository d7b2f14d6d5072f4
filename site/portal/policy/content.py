"""Load stage: read ``content/policy/<version>/<locale>.md`` and the inventories.

``content/inventory.toml`` is the current inventory (what the product collects now, and the
appendix of the newest version); ``content/policy/<version>/inventory.toml`` is the appendix a
version was published with, frozen when a newer version was started.

Loading never raises on bad content: it returns the problems it found, each with a file and a
line, so ``build.py check`` can list them all for the legal team at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from portal.policy.inventory import SNAKE, load_inventory, read_utf8
from portal.policy.model import (
    LOCALES,
    Heading,
    Inventory,
    PolicyDocument,
    PolicyVersion,
    Problem,
)

HEADER_FIELDS = ("version", "effective", "material", "summary")
HEADING = re.compile(r"(#{1,6})\s+(.*)")
# Lines that open a heading or a code fence, found after a newline: a pattern that starts with a
# literal is searched for quickly, one anchored with ^ is tried at every character.
FENCE_OR_HEADING = re.compile(r"\n(?:#|```)[^\n]*")
ANCHOR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION = re.compile(r"^\d+(?:\.\d+)*$")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")) if VERSION.match(version) else (-1,)


def parse_heading(line: str) -> tuple[int, str, str | None] | None:
    """``## 2. Cookies {#cookies}`` -> ``(2, "2. Cookies", "cookies")``; ``None`` for a non-heading."""
    match = HEADING.match(line)
    if not match:
        return None
    text = match[2].rstrip()
    # String methods, not a regex with a lazy text group: that one costs a scan per character.
    start = text.rfind("{#")
    if start >= 0 and text.endswith("}"):
        return len(match[1]), text[:start].rstrip(), text[start + 2 : -1]
    return len(match[1]), text, None


def parse_document(path: Path, locale: str, problems: list[Problem]) -> PolicyDocument | None:
    """Parse one policy file: its ``meta`` header, then headings with their anchors."""
    read = read_utf8(path, problems)
    if read is None:
        return None
    raw, text = read
    lines = text.splitlines()
    header: dict[str, tuple[str, int]] = {}
    index = 0
    while index < len(lines) and lines[index].strip():
        key, sep, value = lines[index].partition(":")
        if not sep or not SNAKE.match(key.strip().lower()):
            problems.append(
                Problem(
                    path, index + 1, "the header must be `name: value` lines, then a blank line"
                )
            )
            return None
        header[key.strip().lower()] = (value.strip(), index + 1)
        index += 1
    body_start = index + 1
    # The body is checked whatever the header says: one run lists every mistake in the file.
    body = "\n".join(lines[body_start:]) + "\n"
    headings = _headings(path, body, body_start + 1, problems)
    ok = True
    for name in HEADER_FIELDS:
        if name not in header or not header[name][0]:
            problems.append(Problem(path, 1, f"the header has no `{name}:` line"))
            ok = False
    for name, (_, line) in header.items():
        if name not in HEADER_FIELDS:
            problems.append(
                Problem(
                    path, line, f"unknown header field `{name}` (known: {', '.join(HEADER_FIELDS)})"
                )
            )
            ok = False
    if not ok:
        return None
    version, version_line = header["version"]
    if version != path.parent.name:
        problems.append(
            Problem(
                path,
                version_line,
                f"version {version!r} differs from its folder {path.parent.name!r}",
            )
        )
        ok = False
    effective_text, effective_line = header["effective"]
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", effective_text):
            raise ValueError
        effective = date.fromisoformat(effective_text)
    except ValueError:
        problems.append(
            Problem(
                path, effective_line, f"effective {effective_text!r} is not a date like 2025-03-01"
            )
        )
        ok = False
    material_text, material_line = header["material"]
    if material_text.lower() not in {"yes", "no"}:
        problems.append(
            Problem(path, material_line, f"material must be yes or no, not {material_text!r}")
        )
        ok = False
    if not ok:
        return None
    return PolicyDocument(
        path=path,
        version=version,
        locale=locale,
        effective=effective,
        material=material_text.lower() == "yes",
        summary=header["summary"][0],
        body=body,
        body_line=body_start + 1,
        headings=headings,
        digest=hashlib.sha256(raw).hexdigest(),
        text=text,
        header_lines={name: line for name, (_, line) in header.items()},
    )


def _headings(
    path: Path, body: str, first_line: int, problems: list[Problem]
) -> tuple[Heading, ...]:
    """The headings of ``body`` (whose first line is ``first_line`` of the file)."""
    headings: list[Heading] = []
    seen: dict[str, int] = {}
    fenced = False
    number, position = first_line, 0
    scan = "\n" + body  # the first line follows a newline too
    for candidate in FENCE_OR_HEADING.finditer(scan):
        number += scan.count("\n", position, candidate.start())
        position = candidate.start()
        line = candidate[0][1:]
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not line.startswith("#"):
            continue
        heading = parse_heading(line)
        if not heading:
            continue
        level, text, anchor = heading
        if not anchor:
            problems.append(
                Problem(
                    path, number, "a heading needs a stable anchor, e.g. `## 2. Cookies {#cookies}`"
                )
            )
            continue
        if not ANCHOR.match(anchor):
            problems.append(
                Problem(
                    path, number, f"anchor {{#{anchor}}} must be lower-case words joined by hyphens"
                )
            )
            continue
        if anchor in seen:
            problems.append(
                Problem(
                    path,
                    number,
                    f"anchor {{#{anchor}}} is used twice (first on line {seen[anchor]})",
                )
            )
            continue
        seen[anchor] = number
        headings.append(Heading(level, anchor, text, number))
    return tuple(headings)


def load_versions(policy_dir: Path, problems: list[Problem]) -> list[PolicyVersion]:
    """Every version folder with both languages, sorted by effective date."""
    versions: list[PolicyVersion] = []
    if not policy_dir.is_dir():
        problems.append(Problem(policy_dir, 0, "the policy folder does not exist"))
        return versions
    for folder in sorted(policy_dir.iterdir(), key=lambda p: version_key(p.name)):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        if not VERSION.match(folder.name):
            problems.append(Problem(folder, 0, "a version folder is named like 1.2"))
            continue
        documents: dict[str, PolicyDocument] = {}
        for locale in LOCALES:
            path = folder / f"{locale}.md"
            if not path.is_file():
                problems.append(
                    Problem(
                        path,
                        0,
                        f"missing: every version needs {' and '.join(f'{x}.md' for x in LOCALES)}",
                    )
                )
                continue
            document = parse_document(path, locale, problems)
            if document:
                documents[locale] = document
        for extra in sorted(folder.iterdir()):
            if extra.suffix == ".md" and extra.stem not in LOCALES:
                problems.append(
                    Problem(
                        extra, 0, f"unknown language {extra.stem!r} (known: {', '.join(LOCALES)})"
                    )
                )
        if len(documents) != len(LOCALES):
            continue
        en, zh = documents["en"], documents["zh_Hans"]
        for name in ("effective", "material"):
            if getattr(en, name) != getattr(zh, name):
                problems.append(
                    Problem(
                        zh.path,
                        zh.header_lines.get(name, 1),
                        f"`{name}` differs from {en.path.name} in the same version",
                    )
                )
        versions.append(PolicyVersion(folder.name, en.effective, en.material, documents))
    versions.sort(key=lambda v: (v.effective, version_key(v.version)))
    return versions


APPENDIX = "inventory.toml"  # a version's own appendix, beside its en.md and zh_Hans.md


def load_appendices(
    policy_dir: Path,
    versions: list[PolicyVersion],
    current: Inventory | None,
    problems: list[Problem],
) -> dict[str, Inventory]:
    """Each version's appendix: its own ``inventory.toml``, or the current inventory.

    Only the newest version may go without one: once a newer version exists, changing the
    current inventory for it would silently rewrite the appendix an older version was
    published with.
    """
    appendices: dict[str, Inventory] = {}
    by_digest: dict[str, Inventory] = {}  # versions that kept the appendix share one reading
    for index, version in enumerate(versions):
        path = policy_dir / version.version / APPENDIX
        if not path.is_file():
            if index < len(versions) - 1:
                newer = versions[index + 1].version
                problems.append(
                    Problem(
                        path,
                        0,
                        f"version {version.version} has no appendix of its own, but version "
                        f"{newer} follows it: before changing content/{APPENDIX} for {newer}, "
                        f"copy the inventory {version.version} was published with here "
                        f"(git show HEAD:content/{APPENDIX} > {path.relative_to(policy_dir.parent)})",
                    )
                )
            elif current is not None:
                appendices[version.version] = current
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in by_digest:
            appendices[version.version] = replace(by_digest[digest], path=path)
            continue
        inventory = load_inventory(path, problems, require_retention=False)
        if inventory is not None:
            by_digest[digest] = appendices[version.version] = inventory
    return appendices


def load_policy(
    content_dir: Path,
) -> tuple[list[PolicyVersion], Inventory | None, dict[str, Inventory], list[Problem]]:
    """Load everything under ``content_dir``, with every problem found on the way.

    Returns the versions, the current inventory, each version's appendix, and the problems.
    """
    problems: list[Problem] = []
    inventory = load_inventory(content_dir / APPENDIX, problems)
    versions = load_versions(content_dir / "policy", problems)
    if not versions and not problems:
        problems.append(Problem(content_dir / "policy", 0, "there is no policy version yet"))
    appendices = load_appendices(content_dir / "policy", versions, inventory, problems)
    return versions, inventory, appendices, problems
