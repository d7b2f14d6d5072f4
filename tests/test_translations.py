"""The catalogues: the committed .pot matches the code, and the Chinese one is complete."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from portal.settings import ROOT

LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"


def makefile_recipe(target: str) -> list[str]:
    """The commands of a Makefile target, continuation lines joined."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        commands.append(line.strip())
    return commands


def extract_command(output: Path) -> list[str]:
    """``make translations``'s ``pybabel extract``, writing to ``output`` instead."""
    [command] = [c for c in makefile_recipe("translations") if "pybabel extract" in c]
    args = shlex.split(command)
    args = args[args.index(next(a for a in args if a.endswith("pybabel"))) + 1 :]
    index = args.index("--output-file")
    args[index + 1] = str(output)
    return args


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def message_ids(catalog: Catalog) -> set[tuple[object, str | None]]:
    return {(message.id, message.context) for message in catalog if message.id}


def test_the_extraction_command_is_read_from_the_makefile(tmp_path: Path) -> None:
    args = extract_command(tmp_path / "x.pot")
    assert args[0] == "extract"
    assert "--mapping-file" in args
    assert str(tmp_path / "x.pot") in args


def test_the_committed_pot_is_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(["pybabel", "--quiet", *extract_command(fresh)])
    committed, extracted = message_ids(load(POT)), message_ids(load(fresh))
    missing = sorted(map(str, extracted - committed))
    stale = sorted(map(str, committed - extracted))
    assert (missing, stale) == ([], []), (
        "locales/messages.pot is out of date: run `make translations` and commit the result.\n"
        f"new in the code: {missing}\nno longer in the code: {stale}"
    )


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_each_catalogue_has_every_message_of_the_pot(locale: str) -> None:
    catalogue = message_ids(load(LOCALES / locale / "LC_MESSAGES" / "messages.po", locale))
    missing = sorted(map(str, message_ids(load(POT)) - catalogue))
    assert not missing, f"run `make translations`; missing from {locale}: {missing}"


def _untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not all(s and s.strip() for s in strings)


def test_the_chinese_catalogue_is_complete() -> None:
    catalogue = load(LOCALES / "zh_Hans" / "LC_MESSAGES" / "messages.po", "zh_Hans")
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif _untranslated(message):
            problems.append(f"untranslated: {message.id!r}")
    for message, errors in catalogue.check():
        problems.extend(f"{error}: {message.id!r}" for error in errors)
    assert not problems, f"locales/zh_Hans ({len(problems)} to fix):\n" + "\n".join(problems)


def test_chinese_translations_keep_the_placeholders() -> None:
    """``%(date)s`` or ``{{ version }}`` lost in translation would crash or blank a page."""
    catalogue = load(LOCALES / "zh_Hans" / "LC_MESSAGES" / "messages.po", "zh_Hans")
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    problems = []
    for message in catalogue:
        if not message.id or _untranslated(message):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for string in strings:
            if set(placeholder.findall(string)) != wanted:
                problems.append(f"{message.id!r} -> {string!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)
