"""htmx has one path through the code: every named block of a page is one a route renders for
htmx, and only ``portal.web`` reads the ``HX-Request`` header.

A block no route renders is a wrapper that promises an htmx swap nobody makes; a second place
reading the header would drift from ``portal.web.is_htmx`` (history restores, for one).
"""

from __future__ import annotations

import re

from portal.settings import ROOT

SITE = ROOT / "site" / "portal"
TEMPLATES = ROOT / "templates"
#: The layouts' blocks (templates/layout/base.html, templates/profile/_layout.html), which pages
#: fill in; not htmx fragments.
LAYOUT_BLOCKS = {"title", "head", "banner", "main", "site_nav", "content"}
#: Blocks swapped *into* an element (``hx-swap="innerHTML"``) rather than replacing one, so no
#: id inside them is targeted: the confirmations before a delete or a withdrawal, which take
#: the place of the card's (or the consent section's) content.
INSERTED_BLOCKS = {"confirm"}


_BLOCK_TAG = re.compile(r"{%-?\s*(block\s+(\w+)|endblock)\b[^%]*-?%}")


def _blocks_of(source: str) -> dict[str, str]:
    """Block name -> the block's source, for every block (nested ones too) of ``source``."""
    found, open_blocks = {}, []
    for tag in _BLOCK_TAG.finditer(source):
        if tag.group(2):
            open_blocks.append((tag.group(2), tag.end()))
        elif open_blocks:
            name, start = open_blocks.pop()
            found[name] = source[start : tag.start()]
    return found


def _page_templates() -> dict[str, str]:
    """Template -> source, for the site's pages (mail has blocks of its own: subject, text…)."""
    return {
        str(path.relative_to(TEMPLATES)): path.read_text(encoding="utf-8")
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] != "mail"
    }


def _page_blocks() -> dict[str, str]:
    """Block name -> its source, for every block of the site's pages."""
    found = {}
    for source in _page_templates().values():
        found.update(_blocks_of(source))
    return found


def _swapped_ids() -> set[str]:
    """Ids of the elements an htmx request swaps: ``hx-target="#id"``, or ``"this"`` by id."""
    ids = set()
    for source in _page_templates().values():
        ids |= set(re.findall(r'hx-target="#([\w-]+)"', source))
        for tag in re.findall(r"<[^>]*hx-target=\"this\"[^>]*>", source):
            ids |= set(re.findall(r'\bid="([\w-]+)"', tag))
    return ids


def _rendered_blocks() -> set[str]:
    """Names passed as ``block=`` to ``Templates.render``, directly or through a constant."""
    names = set()
    for path in SITE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'\bblock="(\w+)"', source))
        for constant in re.findall(r"\bblock=([A-Z_]+)\b", source):
            names |= set(re.findall(rf'^{constant}\s*=\s*"(\w+)"', source, re.MULTILINE))
    return names


def test_every_block_of_a_page_is_rendered_for_htmx() -> None:
    blocks = set(_page_blocks()) - LAYOUT_BLOCKS
    assert blocks - _rendered_blocks() == set()


def test_every_block_rendered_for_htmx_is_swapped_by_an_element() -> None:
    swapped = _swapped_ids()
    unswapped = [
        name
        for name, source in _page_blocks().items()
        if name in _rendered_blocks()
        and name not in INSERTED_BLOCKS
        and not swapped & set(re.findall(r'\bid="([\w-]+)"', source))
    ]
    assert unswapped == [], "no element sends htmx to these blocks: render the page in full"


def test_an_inserted_block_is_fetched_into_an_element() -> None:
    inserting = [
        tag
        for source in _page_templates().values()
        for tag in re.findall(r"<[^>]*hx-get=[^>]*>", source)
        if 'hx-swap="innerHTML"' in tag
    ]
    assert inserting, "no element fetches a block into itself: drop INSERTED_BLOCKS"
    assert set(_rendered_blocks()) >= INSERTED_BLOCKS


def test_every_block_a_route_renders_exists() -> None:
    assert _rendered_blocks() - set(_page_blocks()) == set()


def test_only_portal_web_reads_the_htmx_header() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for path in SITE.rglob("*.py")
        if path.parent.name != "web"
        # A response may name the header in Vary (templating.py); reading it is what is checked.
        and re.search(r"(?i)(headers\.get\(\s*[\"']hx-request|b[\"']hx-request)", path.read_text())
    ]
    assert readers == []
