"""The glossary (``locales/glossary.toml``) and the spacing convention, as checks.

Each check takes English / Chinese pairs and returns one line per problem, naming the entry, the
term and the rendering expected, so that a failing test tells the translator what to change.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from portal.policy.model import PolicyDocument, PolicyVersion
from portal.settings import ROOT

GLOSSARY = ROOT / "locales" / "glossary.toml"
CATALOGUE = ROOT / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
INVENTORY = ROOT / "content" / "inventory.toml"


@dataclass(frozen=True)
class Term:
    en: str
    zh_hans: str
    pattern: re.Pattern[str]
    accept: tuple[str, ...]
    avoid: tuple[str, ...]
    note: str

    def renderings(self) -> tuple[str, ...]:
        return (self.zh_hans, *self.accept)


@dataclass(frozen=True)
class Pair:
    """One English text and its Chinese, named for a failure message (``where``)."""

    where: str
    en: str
    zh: str


def spacing_exempt_versions(path: Path = GLOSSARY) -> set[str]:
    """Policy versions the glossary's ``[spacing]`` table exempts from the spacing rule."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return set(data.get("spacing", {}).get("exempt_policy_versions", ()))


def load_glossary(path: Path = GLOSSARY) -> list[Term]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    terms = []
    for item in data["term"]:
        pattern = item.get("match") or rf"(?<!\w){re.escape(item['en'])}(?!\w)"
        terms.append(
            Term(
                en=item["en"],
                zh_hans=item["zh_Hans"],
                pattern=re.compile(pattern, re.IGNORECASE),
                accept=tuple(item.get("accept", ())),
                avoid=tuple(item.get("avoid", ())),
                note=item.get("note", ""),
            )
        )
    return terms


# -- what is compared ----------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
_MARKDOWN_TARGET = re.compile(r"\]\([^)]*\)|\{#[^}]*\}|\[\[[^\]]*\]\]")
_ADDRESS = re.compile(r"\S+@\S+\.[a-z]+|https?://\S+|www\.\S+", re.IGNORECASE)


def _english(text: str) -> str:
    """The words of an English text: no markup, no link targets, no addresses, one apostrophe."""
    text = _MARKDOWN_TARGET.sub("]", _TAG.sub(" ", text))
    return _ADDRESS.sub(" ", _PLACEHOLDER.sub(" ", text)).replace("’", "'")


def catalogue_pairs(catalogue: Catalog) -> Iterator[Pair]:
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            yield Pair(f"messages.po, msgid {ids[0]!r}", " ".join(ids), string or "")


def read_catalogue(path: Path = CATALOGUE) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def inventory_pairs(path: Path = INVENTORY) -> Iterator[Pair]:
    """Every ``{ en = ..., zh_Hans = ... }`` of the inventory, named by scenario and field."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def walk(value: object, where: str) -> Iterator[Pair]:
        if isinstance(value, dict):
            if isinstance(value.get("en"), str) and isinstance(value.get("zh_Hans"), str):
                yield Pair(f"inventory.toml, {where}", value["en"], value["zh_Hans"])
                return
            name = value.get("id") or value.get("key")
            for key, item in value.items():
                yield from walk(item, f"{where}{name + '.' if name else ''}{key}".strip("."))
        elif isinstance(value, list):
            for item in value:
                yield from walk(item, f"{where}.")

    yield from walk(data, "")


def _sections(document: PolicyDocument) -> dict[str, str]:
    """The body's text under each heading, keyed by the heading's anchor (a preamble: "")."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    headings = {h.line - document.body_line: h.anchor for h in document.headings}
    for number, line in enumerate(document.body.splitlines()):
        if number in headings:
            current = headings[number]
            sections.setdefault(current, [])
        sections[current].append(line)
    return {anchor: "\n".join(lines) for anchor, lines in sections.items()}


def policy_pairs(version: PolicyVersion) -> Iterator[Pair]:
    """A version's English and Chinese, section by section (paired by anchor), and its summary."""
    en, zh = version.documents["en"], version.documents["zh_Hans"]
    yield Pair(f"policy {version.version}, summary", en.summary, zh.summary)
    zh_sections = _sections(zh)
    for anchor, text in _sections(en).items():
        where = f"policy {version.version}, section #{anchor}" if anchor else "the preamble"
        yield Pair(where, text, zh_sections.get(anchor, ""))


# -- the checks --------------------------------------------------------------------------------


def glossary_problems(pairs: Iterable[Pair], terms: list[Term]) -> list[str]:
    """Each pair whose English uses a term whose Chinese misses the rendering or uses an avoided one."""
    problems = []
    for pair in pairs:
        english = _english(pair.en)
        for term in terms:
            found = term.pattern.search(english)
            if not found:
                continue
            if not any(r in pair.zh for r in term.renderings()):
                wanted = " or ".join(repr(r) for r in term.renderings())
                problems.append(
                    f"{pair.where}: uses the term {found.group(0)!r} (glossary: {term.en!r}) "
                    f"but its Chinese has no {wanted}: {pair.zh!r}. {term.note}".rstrip()
                )
            for avoided in term.avoid:
                if avoided in pair.zh:
                    problems.append(
                        f"{pair.where}: renders the term {found.group(0)!r} (glossary: "
                        f"{term.en!r}) as {avoided!r}; the glossary says {term.zh_hans!r}: "
                        f"{pair.zh!r}. {term.note}".rstrip()
                    )
    return problems


HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
LATIN = r"[A-Za-z0-9]"
_TOUCHING = re.compile(rf"{HAN}{LATIN}|{LATIN}{HAN}")
_DOUBLE = re.compile(
    rf"{HAN}[ \u3000]{{2,}}{LATIN}|{LATIN}[ \u3000]{{2,}}{HAN}|{HAN}\u3000{LATIN}|{LATIN}\u3000{HAN}"
)
# Written without spaces, as official documents write them: dates and street addresses.
_DATE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")
_STREET = re.compile(rf"{HAN}路\d+号(?:\d+[幢栋号楼](?:\d+室)?)?")


def spacing_problems(texts: Iterable[tuple[str, str]]) -> list[str]:
    """Each (where, Chinese text) in which a Chinese character touches a Latin letter or digit.

    The convention (locales/glossary.toml): one space between them, none inside a Chinese date
    or street address; placeholders, markup and link targets are not checked.
    """
    problems = []
    for where, text in texts:
        plain = _PLACEHOLDER.sub("\x00", _TAG.sub("\x00", text))
        plain = _MARKDOWN_TARGET.sub("\x00", plain).replace("[", "\x00").replace("]", "\x00")
        plain = _ADDRESS.sub("\x00", plain)
        plain = _STREET.sub("\x00", _DATE.sub("\x00", plain))
        for pattern, what in (
            (_TOUCHING, "needs a space"),
            (_DOUBLE, "needs one half-width space"),
        ):
            for found in pattern.finditer(plain):
                start = max(0, found.start() - 8)
                context = plain[start : found.end() + 8].replace("\x00", "…")
                problems.append(f"{where}: {found.group(0)!r} {what} (…{context}…)")
    return problems


def catalogue_texts(catalogue: Catalog) -> Iterator[tuple[str, str]]:
    for pair in catalogue_pairs(catalogue):
        yield pair.where, pair.zh


def inventory_texts(path: Path = INVENTORY) -> Iterator[tuple[str, str]]:
    for pair in inventory_pairs(path):
        yield pair.where, pair.zh


def policy_texts(version: PolicyVersion) -> Iterator[tuple[str, str]]:
    zh = version.documents["zh_Hans"]
    yield f"policy {version.version}, summary", zh.summary
    for anchor, text in _sections(zh).items():
        yield f"policy {version.version}, zh_Hans.md section #{anchor or '(preamble)'}", text
