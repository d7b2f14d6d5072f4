"""Reading a TOML file written by people, so that each mistake is named by file and line.

``tomllib`` gives values without positions; :class:`TableReader` finds the line of a ``[table]``
or of a ``key =`` inside it, and collects every problem (a wrong type, a number out of range, an
unknown key, a text missing in one language) instead of stopping at the first. The pricing file
(``portal.quotes.rates``) is read with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from portal.i18n import KNOWN_LOCALES
from portal.policy.model import Problem

#: A key written by the sales team: lower-case letters, digits and underscores.
KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class TableReader:
    """Reads the parsed TOML, collecting every problem (with its line) instead of stopping."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.problems: list[Problem] = []

    def line(self, table: str, key: str | None = None) -> int:
        """The line of ``[table]`` (or ``[[table]]``), or of ``key =`` inside it; 0 if unknown."""
        start = 0
        for number, text in enumerate(self.lines, 1):
            if text.strip() in (f"[{table}]", f"[[{table}]]"):
                start = number
                break
        if key is None or (start == 0 and table):
            return start
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            text = self.lines[number - 1]
            if text.lstrip().startswith("["):
                break
            if pattern.match(text):
                return number
        return start

    def nth(self, table: str, index: int) -> int:
        """The line of the ``index``-th ``[[table]]`` (counting from 0); 0 if unknown."""
        starts = [n for n, text in enumerate(self.lines, 1) if text.strip() == f"[[{table}]]"]
        return starts[index] if index < len(starts) else 0

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def table(self, value: Any, table: str, where: str) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        self.problem(self.line(table), f"{where} must be a table")
        return {}

    def unknown(self, data: Mapping[str, Any], allowed: set[str], table: str, where: str) -> None:
        for key in sorted(set(data) - allowed):
            known = ", ".join(sorted(allowed))
            self.problem(self.line(table, key), f"{where}: unknown key {key!r} (known: {known})")

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        where: str,
        *,
        minimum: float = 0.0,
        strict: bool = False,
        default: float | None = None,
        integer: bool = False,
    ) -> float:
        value = data.get(key, default)
        kind = "a whole number" if integer else "a number"
        if value is None:
            self.problem(self.line(table), f"{where}: `{key}` is missing ({kind})")
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            self.problem(self.line(table, key), f"{where}: `{key}` must be {kind}, not {value!r}")
            return 0.0
        if integer and not isinstance(value, int):
            self.problem(self.line(table, key), f"{where}: `{key}` must be {kind}, not {value!r}")
            return 0.0
        if (value <= minimum) if strict else (value < minimum):
            bound = f"more than {minimum:g}" if strict else f"at least {minimum:g}"
            self.problem(self.line(table, key), f"{where}: `{key}` must be {bound}, not {value!r}")
        return float(value)

    def names(self, data: Mapping[str, Any], table: str, where: str) -> dict[str, str]:
        value = data.get("name")
        if not isinstance(value, dict):
            self.problem(
                self.line(table, "name"), f'{where}: `name` must be {{ en = "…", zh_Hans = "…" }}'
            )
            return dict.fromkeys(KNOWN_LOCALES, "")
        names = {}
        for locale in KNOWN_LOCALES:
            text = value.get(locale)
            if not isinstance(text, str) or not text.strip():
                self.problem(self.line(table, "name"), f"{where}: `name` has no {locale} text")
                text = ""
            names[locale] = text.strip()
        return names

    def key(self, key: str, table: str, where: str) -> None:
        if not KEY.match(key):
            self.problem(
                self.line(table),
                f"{where}: {key!r} must be lower-case letters, digits and underscores",
            )
