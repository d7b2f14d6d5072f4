"""Load stage: read ``content/policy/<version>/<locale>.md`` and ``content/inventory.toml``.

Loading never raises on bad content: it returns the problems it found, each with a file and a
line, so ``build.py check`` can list them all for the legal team at once.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date
from pathlib import Path

from portal.policy.model import (
    LOCALES,
    Heading,
    Inventory,
    InventoryField,
    PolicyDocument,
    PolicyVersion,
    Problem,
    Scenario,
)

HEADER_FIELDS = ("version", "effective", "material", "summary")
HEADING = re.compile(r"(#{1,6})\s+(.*)")
# Lines that open a heading or a code fence, found after a newline: a pattern that starts with a
# literal is searched for quickly, one anchored with ^ is tried at every character.
FENCE_OR_HEADING = re.compile(r"\n(?:#|```)[^\n]*")
ANCHOR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION = re.compile(r"^\d+(?:\.\d+)*$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


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


def _read_utf8(path: Path, problems: list[Problem]) -> tuple[bytes, str] | None:
    """The file's bytes and text; a problem naming the first line that is not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(path, line, "the file is not UTF-8 text"))
        return None


def parse_document(path: Path, locale: str, problems: list[Problem]) -> PolicyDocument | None:
    """Parse one policy file: its ``meta`` header, then headings with their anchors."""
    read = _read_utf8(path, problems)
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


def _localized(
    value: object, where: str, path: Path, line: int, problems: list[Problem]
) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(
            Problem(path, line, f'{where} needs a text per language: {{ en = "…", zh_Hans = "…" }}')
        )
        return {}
    result: dict[str, str] = {}
    for locale in LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(path, line, f"{where} has no {locale} text"))
        else:
            result[locale] = text.strip()
    return result


def load_inventory(path: Path, problems: list[Problem]) -> Inventory | None:
    """Read the data inventory, the one source of the appendix table."""
    if not path.exists():
        problems.append(Problem(path, 0, "the data inventory is missing"))
        return None
    read = _read_utf8(path, problems)
    if read is None:
        return None
    raw, text = read
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        problems.append(Problem(path, int(match[1]) if match else 0, f"not valid TOML: {error}"))
        return None
    lines = text.splitlines()
    starts = [n for n, line in enumerate(lines, 1) if line.strip() == "[[scenario]]"]
    field_starts = [n for n, line in enumerate(lines, 1) if line.strip() == "[[scenario.field]]"]
    count = len(problems)
    groups: dict[str, dict[str, str]] = {}
    # TOML lets a writer put a text where a table belongs (`group = "x"`, `field = ["x"]`):
    # report it like any other mistake instead of failing on it.
    if not isinstance(data.get("group", {}), dict):
        problems.append(
            Problem(path, _line_of(lines, "group", prefix=True), "[group.*] must be tables")
        )
        return None
    if not _tables(data.get("scenario", [])):
        problems.append(
            Problem(
                path,
                _line_of(lines, "scenario", prefix=True),
                "scenarios must be [[scenario]] tables",
            )
        )
        return None
    for group_id, titles in data.get("group", {}).items():
        groups[group_id] = _localized(
            titles, f"group {group_id!r}", path, _line_of(lines, f"[group.{group_id}]"), problems
        )
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    field_index = 0
    for number, item in enumerate(data.get("scenario", [])):
        line = starts[number] if number < len(starts) else 0
        scenario_id = item.get("id", "")
        if not isinstance(scenario_id, str) or not SNAKE.match(scenario_id):
            problems.append(Problem(path, line, "a scenario needs an `id` in snake_case"))
            scenario_id = f"#{number}"
        elif scenario_id in seen:
            problems.append(Problem(path, line, f"scenario id {scenario_id!r} is used twice"))
        seen.add(scenario_id)
        where = f"scenario {scenario_id!r}"
        group = item.get("group", scenario_id)
        if groups and group not in groups:
            problems.append(
                Problem(path, line, f"{where}: group {group!r} is not defined in [group.*]")
            )
        fields: list[InventoryField] = []
        keys: set[str] = set()
        if not _tables(item.get("field", [])):
            problems.append(
                Problem(path, line, f"{where}: fields must be [[scenario.field]] tables")
            )
            continue
        for entry in item.get("field", []):
            field_line = field_starts[field_index] if field_index < len(field_starts) else line
            field_index += 1
            key = entry.get("key", "")
            if not isinstance(key, str) or not SNAKE.match(key):
                problems.append(
                    Problem(path, field_line, f"{where}: a field needs a `key` in snake_case")
                )
                continue
            if key in keys:
                problems.append(
                    Problem(path, field_line, f"{where}: field {key!r} is listed twice")
                )
            keys.add(key)
            for flag in ("sensitive", "required"):
                if not isinstance(entry.get(flag, False), bool):
                    problems.append(
                        Problem(
                            path,
                            _key_line(lines, field_line, flag),
                            f"{where} field {key!r}: {flag} must be true or false, not {entry[flag]!r}",
                        )
                    )
            note = entry.get("note")
            fields.append(
                InventoryField(
                    key=key,
                    label=_localized(
                        entry.get("label"),
                        f"{where} field {key!r} label",
                        path,
                        _key_line(lines, field_line, "label"),
                        problems,
                    ),
                    sensitive=bool(entry.get("sensitive", False)),
                    required=bool(entry.get("required", False)),
                    note=_localized(
                        note,
                        f"{where} field {key!r} note",
                        path,
                        _key_line(lines, field_line, "note"),
                        problems,
                    )
                    if note
                    else None,
                )
            )
        if not fields:
            problems.append(Problem(path, line, f"{where} lists no fields"))
        scenarios.append(
            Scenario(
                id=scenario_id,
                group=group,
                policy_section=str(item.get("policy_section", "")),
                **{
                    name: _localized(
                        item.get(name),
                        f"{where} {name}",
                        path,
                        _key_line(lines, line, name),
                        problems,
                    )
                    for name in ("title", "purpose", "method", "retention")
                },
                fields=tuple(fields),
                line=line,
                policy_section_line=_key_line(lines, line, "policy_section"),
            )
        )
    if len(problems) > count:
        return None
    return Inventory(path, tuple(scenarios), groups, hashlib.sha256(raw).hexdigest())


def _key_line(lines: list[str], table_line: int, key: str) -> int:
    """The line of ``key = ...`` in the table that starts on ``table_line`` (or that line)."""
    assignment = re.compile(rf"\s*{re.escape(key)}\s*=")
    for number in range(table_line, len(lines)):  # ``lines[table_line]`` is the next line
        if lines[number].lstrip().startswith("["):
            break
        if assignment.match(lines[number]):
            return number + 1
    return table_line


def _line_of(lines: list[str], needle: str, *, prefix: bool = False) -> int:
    return next(
        (
            n
            for n, line in enumerate(lines, 1)
            if (line.strip().startswith(needle) if prefix else line.strip() == needle)
        ),
        0,
    )


def _tables(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def load_policy(content_dir: Path) -> tuple[list[PolicyVersion], Inventory | None, list[Problem]]:
    """Load everything under ``content_dir``, with every problem found on the way."""
    problems: list[Problem] = []
    inventory = load_inventory(content_dir / "inventory.toml", problems)
    versions = load_versions(content_dir / "policy", problems)
    if not versions and not problems:
        problems.append(Problem(content_dir / "policy", 0, "there is no policy version yet"))
    return versions, inventory, problems
