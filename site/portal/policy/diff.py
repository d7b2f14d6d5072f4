"""Word-level differences between two versions of the policy, readable on a phone.

Blocks (headings, paragraphs, list items) are aligned first, so only the blocks that changed are
compared word by word; Chinese has no spaces, so every CJK character is a word of its own.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import NamedTuple

from portal.policy.content import parse_heading

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
# CJK characters are word characters to ``\w``: a Latin word must stop at them, or an address
# followed by Chinese text ("info@xometry.asia与我们联系") would be one word.
TOKEN = re.compile(
    rf"[{CJK}]"  # one CJK character
    rf"|[^\W_{CJK}]+(?:[.@'’-][^\W_{CJK}]+)*"  # a word, an address, a number
    r"|\s+"
    r"|."
)
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
INLINE_MARKUP = re.compile(r"[\[*_`\\]")
LIST_ITEM = re.compile(r"(?:[-*+]|\d+[.)])\s")


class Block(NamedTuple):  # a tuple: a policy has thousands, and they are made in every build
    kind: str  # "h1".."h6" or "p"
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class ChangedBlock:
    kind: str
    parts: tuple[tuple[str, str], ...]  # ("equal" | "insert" | "delete", text)
    section_anchor: str | None
    section_title: str | None
    change: str  # "changed", "added" or "removed"


@dataclass(frozen=True)
class Diff:
    blocks: tuple[ChangedBlock, ...]
    unchanged: int


@lru_cache(maxsize=4096)  # consecutive versions share most of their paragraphs
def plain(markdown_text: str) -> str:
    """The text a reader sees, without inline Markdown."""
    if not INLINE_MARKUP.search(markdown_text):  # most paragraphs: spare the four substitutions
        return " ".join(markdown_text.split())
    text = LINK.sub(r"\1", markdown_text)
    for _ in range(2):
        text = EMPHASIS.sub(r"\2", text)
    text = ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


def blocks(body: str) -> list[Block]:
    """Split a Markdown body into headings and paragraphs (list items count as paragraphs)."""
    # A blank line ends every block, so the chunks between blank lines are parsed on their own;
    # consecutive versions share most of them, and each distinct chunk is parsed once.
    return [block for chunk in body.split("\n\n") for block in _chunk_blocks(chunk)]


@lru_cache(maxsize=4096)
def _chunk_blocks(chunk: str) -> tuple[Block, ...]:
    result: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            result.append(Block("p", plain(" ".join(paragraph))))
            paragraph.clear()

    for line in chunk.splitlines():
        stripped = line.strip()
        heading = parse_heading(stripped) if stripped.startswith("#") else None
        if heading:
            flush()
            level, text, anchor = heading
            result.append(Block(f"h{level}", plain(text), anchor))
        elif not stripped:
            flush()
        elif LIST_ITEM.match(stripped):
            flush()
            paragraph.append(stripped)
        else:
            paragraph.append(stripped)
    flush()
    return tuple(result)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def _opcodes(
    a: Sequence[Hashable], b: Sequence[Hashable]
) -> Iterator[tuple[str, int, int, int, int]]:
    """``SequenceMatcher``'s opcodes, with the common start and end matched first.

    Two versions differ in a few places: matching the equal start and end directly leaves only the
    middle to ``SequenceMatcher``, which is quadratic at worst.
    """
    limit = min(len(a), len(b))
    start = 0
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[len(a) - 1 - end] == b[len(b) - 1 - end]:
        end += 1
    if start:
        yield "equal", 0, start, 0, start
    middle = SequenceMatcher(None, a[start : len(a) - end], b[start : len(b) - end], autojunk=False)
    for op, i1, i2, j1, j2 in middle.get_opcodes():
        if i1 < i2 or j1 < j2:
            yield op, i1 + start, i2 + start, j1 + start, j2 + start
    if end:
        yield "equal", len(a) - end, len(a), len(b) - end, len(b)


def diff_blocks(old: list[Block], new: list[Block]) -> Diff:
    """Compare two bodies block by block, and changed blocks word by word."""
    changed: list[ChangedBlock] = []
    unchanged = 0
    sections_new = _sections(new)
    sections_old = _sections(old)
    keys_old = [(b.kind, b.text) for b in old]
    keys_new = [(b.kind, b.text) for b in new]
    for op, i1, i2, j1, j2 in _opcodes(keys_old, keys_new):
        if op == "equal":
            unchanged += i2 - i1
            continue
        pairs = list(zip(range(i1, i2), range(j1, j2), strict=False)) if op == "replace" else []
        for i, j in pairs:
            parts = word_diff(old[i].text, new[j].text)
            changed.append(_changed(new[j].kind, parts, sections_new[j], "changed"))
        for j in range(j1 + len(pairs), j2):
            changed.append(
                _changed(new[j].kind, [("insert", new[j].text)], sections_new[j], "added")
            )
        for i in range(i1 + len(pairs), i2):
            changed.append(
                _changed(old[i].kind, [("delete", old[i].text)], sections_old[i], "removed")
            )
    return Diff(tuple(changed), unchanged)


def _sections(body: list[Block]) -> list[Block | None]:
    """For every block, the nearest heading at or above it."""
    current: Block | None = None
    result = []
    for block in body:
        if block.kind != "p":
            current = block
        result.append(current)
    return result


def _changed(
    kind: str, parts: list[tuple[str, str]], section: Block | None, change: str
) -> ChangedBlock:
    return ChangedBlock(
        kind=kind,
        parts=tuple(parts),
        section_anchor=section.anchor if section else None,
        section_title=section.text if section else None,
        change=change,
    )


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The parts of ``new`` and ``old`` as equal, inserted and deleted runs of words."""
    a, b = tokens(old), tokens(new)
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        if op == "equal":
            parts.append(("equal", "".join(a[i1:i2])))
        if op in ("delete", "replace"):
            parts.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(("insert", "".join(b[j1:j2])))
    return _merge(parts)


def _merge(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for op, text in parts:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged
