"""Load the data inventory (``content/inventory.toml``), the one source of the appendix table.

Like the policy loader, it never raises on bad content: every problem is returned with the file
and the line of the key a legal writer has to open.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from portal.policy.model import (
    EXPIRY_EVENTS,
    LOCALES,
    RECIPIENT_KINDS,
    Expiry,
    Inventory,
    InventoryField,
    Problem,
    Recipient,
    Scenario,
)

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def read_utf8(path: Path, problems: list[Problem]) -> tuple[bytes, str] | None:
    """The file's bytes and text; a problem naming the first line that is not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(path, line, "the file is not UTF-8 text"))
        return None


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


def load_inventory(
    path: Path, problems: list[Problem], *, require_retention: bool = True
) -> Inventory | None:
    """Read the data inventory, the one source of the appendix table.

    ``require_retention=False`` reads an appendix as a version published it: 1.0 and 1.1 had no
    retention column, so their snapshots (``content/policy/<version>/inventory.toml``) may leave
    it out, all scenarios alike. The current inventory always states it: the site shows it.
    """
    if not path.exists():
        problems.append(Problem(path, 0, "the data inventory is missing"))
        return None
    read = read_utf8(path, problems)
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
        # Keys a scenario may leave out; the others are reported when missing.
        optional = {"purpose_short"} if require_retention else {"purpose_short", "retention"}
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
                    if name not in optional or name in item
                    else {}
                    for name in ("title", "purpose", "method", "retention", "purpose_short")
                },
                fields=tuple(fields),
                line=line,
                policy_section_line=_key_line(lines, line, "policy_section"),
                expires=_expiry(item.get("expires"), where, path, lines, line, problems),
            )
        )
    recipients = _recipients(data.get("recipient", []), scenarios, path, lines, problems)
    with_retention = {bool(s.retention) for s in scenarios}
    if len(with_retention) > 1:
        problems.append(
            Problem(
                path,
                next(s.line for s in scenarios if not s.retention),
                "every scenario states its retention, or none does (an appendix published "
                "without that column)",
            )
        )
    if len(problems) > count:
        return None
    return Inventory(
        path, tuple(scenarios), groups, hashlib.sha256(raw).hexdigest(), tuple(recipients)
    )


def _expiry(
    value: object, where: str, path: Path, lines: list[str], line: int, problems: list[Problem]
) -> Expiry | None:
    """``expires = { after = "request_closed", years = 3 }``, checked; None when absent."""
    if value is None:
        return None
    at = _key_line(lines, line, "expires")
    if not isinstance(value, dict) or set(value) != {"after", "years"}:
        problems.append(Problem(path, at, f"{where} expires: write {{ after = ..., years = N }}"))
        return None
    after, years = value["after"], value["years"]
    if after not in EXPIRY_EVENTS:
        known = ", ".join(EXPIRY_EVENTS)
        problems.append(Problem(path, at, f"{where} expires.after: one of {known}"))
        return None
    if type(years) is not int or not 1 <= years <= 100:
        problems.append(Problem(path, at, f"{where} expires.years: a whole number of years"))
        return None
    return Expiry(after=after, years=years)


def _recipients(
    items: object,
    scenarios: list[Scenario],
    path: Path,
    lines: list[str],
    problems: list[Problem],
) -> list[Recipient]:
    """The ``[[recipient]]`` tables: who else receives which fields, and why."""
    starts = [n for n, line in enumerate(lines, 1) if line.strip() == "[[recipient]]"]
    if not _tables(items):
        problems.append(
            Problem(
                path,
                _line_of(lines, "recipient", prefix=True),
                "recipients must be [[recipient]] tables",
            )
        )
        return []
    assert isinstance(items, list)
    fields = {f"{s.id}.{f.key}" for s in scenarios for f in s.fields}
    recipients = []
    for number, item in enumerate(items):
        line = starts[number] if number < len(starts) else 0
        recipient_id = item.get("id", "")
        if not isinstance(recipient_id, str) or not SNAKE.match(recipient_id):
            problems.append(Problem(path, line, "a recipient needs an `id` in snake_case"))
            recipient_id = f"#{number}"
        where = f"recipient {recipient_id!r}"
        kind = item.get("kind")
        if kind not in RECIPIENT_KINDS:
            problems.append(
                Problem(
                    path,
                    _key_line(lines, line, "kind"),
                    f"{where}: kind must be one of {', '.join(RECIPIENT_KINDS)}, not {kind!r}",
                )
            )
        data = item.get("data", [])
        data_line = _key_line(lines, line, "data")
        if not isinstance(data, list) or not data or not all(isinstance(k, str) for k in data):
            problems.append(
                Problem(
                    path, data_line, f'{where}: data lists fields, e.g. ["shipping_address.city"]'
                )
            )
            data = []
        for key in data:
            if key not in fields:
                problems.append(
                    Problem(
                        path, data_line, f"{where}: data {key!r} is not a field of this inventory"
                    )
                )
        note = item.get("note")
        recipients.append(
            Recipient(
                id=recipient_id,
                kind=str(kind),
                title=_localized(
                    item.get("title"),
                    f"{where} title",
                    path,
                    _key_line(lines, line, "title"),
                    problems,
                ),
                purpose=_localized(
                    item.get("purpose"),
                    f"{where} purpose",
                    path,
                    _key_line(lines, line, "purpose"),
                    problems,
                ),
                data=tuple(data),
                policy_section=str(item.get("policy_section", "")),
                line=line,
                note=_localized(
                    note, f"{where} note", path, _key_line(lines, line, "note"), problems
                )
                if note
                else None,
                policy_section_line=_key_line(lines, line, "policy_section"),
            )
        )
    return recipients


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
