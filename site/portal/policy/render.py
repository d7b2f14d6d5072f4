"""Render stage: policy documents, the appendix, diffs and the change log to HTML fragments.

Fragments go through the shared Jinja environment in the document's own locale; the site wraps
them in its layout, so the same file serves every visitor whatever their session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

import jinja2
import markdown
from markupsafe import Markup, escape

from portal import i18n
from portal.policy import diff
from portal.policy.check import CONTENTS_MARKER, INVENTORY_MARKER, REFERENCE
from portal.policy.diff import Block
from portal.policy.model import Inventory, Policy, PolicyDocument, PolicyVersion, Recipient

MARKDOWN_EXTENSIONS = ("meta", "attr_list", "sane_lists")
# ``check`` makes the marker a paragraph of its own, so Python-Markdown renders it as this.
INVENTORY_PARAGRAPH = f"<p>{INVENTORY_MARKER}</p>"
CONTENTS_PARAGRAPH = f"<p>{CONTENTS_MARKER}</p>"


class TocEntry(NamedTuple):
    level: int
    anchor: str
    text: str


def new_markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), output_format="html")


def _references(text: str, inventory: Inventory, locale: str) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, target = match[1], match[2].strip()
        if kind == "inventory":
            scenario = inventory.scenario(target)
            return scenario.title[locale] if scenario else match[0]
        scenario_id, _, key = target.partition(".")
        scenario = inventory.scenario(scenario_id)
        item = scenario.field(key) if scenario else None
        return item.label[locale] if item else match[0]

    return REFERENCE.sub(replace, text)


class Renderer:
    """Renders the fragments of one build, sharing what they have in common.

    One Markdown instance serves every document, an appendix table is rendered once per
    language (versions that kept the same appendix share it), and each document is split into
    diff blocks once although it takes part in two diffs.
    """

    def __init__(
        self,
        env: jinja2.Environment,
        inventory: Inventory,
        appendices: Mapping[str, Inventory] | None = None,
    ) -> None:
        self.env = env
        self.inventory = inventory  # the current one: the appendix of a version without its own
        self.appendices = appendices or {}
        self.md = new_markdown()
        self._tables: dict[tuple[str, str], str] = {}
        self._blocks: dict[str, list[Block]] = {}

    def appendix(self, version: PolicyVersion) -> Inventory:
        return self.appendices.get(version.version, self.inventory)

    def document(
        self, version: PolicyVersion, document: PolicyDocument, previous: PolicyVersion | None
    ) -> str:
        """One version in one language: contents, the text, and the appendix it was published with."""
        inventory = self.appendix(version)
        with i18n.use_locale(document.locale):
            self.md.reset()
            body = self.md.convert(_references(document.text, inventory, document.locale))
            body = body.replace(
                INVENTORY_PARAGRAPH, self.inventory_table(document.locale, inventory)
            )
            toc = [
                TocEntry(h.level, h.anchor, diff.plain(h.text))
                for h in document.headings
                if h.level in (2, 3)
            ]
            if CONTENTS_PARAGRAPH in body:
                sections = self.env.get_template("policy/_sections.html").render(
                    entries=[entry for entry in toc if entry.level == 2]
                )
                body = body.replace(CONTENTS_PARAGRAPH, sections)
            return self.env.get_template("policy/_article.html").render(
                version=version,
                document=document,
                previous=previous,
                toc=toc,
                body=Markup(body),  # noqa: S704 - our own content, rendered by Python-Markdown
            )

    def inventory_table(self, locale: str, inventory: Inventory | None = None) -> str:
        """The appendix "List of Personal Information Collection", from an inventory."""
        inventory = inventory or self.inventory
        key = (inventory.digest, locale)
        if key not in self._tables:
            with i18n.use_locale(locale):
                self._tables[key] = self.env.get_template("policy/_inventory.html").render(
                    inventory=inventory,
                    locale=locale,
                    with_retention=any(s.retention for s in inventory.scenarios),
                    with_sensitive=any(f.sensitive for s in inventory.scenarios for f in s.fields),
                    received={r.id: received(inventory, r, locale) for r in inventory.recipients},
                )
        return self._tables[key]

    def diff(self, old: PolicyDocument, new: PolicyDocument, version: PolicyVersion) -> str:
        """What changed from ``old`` to ``new``, word by word, with the section of every change."""
        result = diff.diff_blocks(self._blocks_of(old), self._blocks_of(new))
        with i18n.use_locale(new.locale):
            return self.env.get_template("policy/_diff.html").render(
                old=old, new=new, version=version, diff=result, mark=_mark
            )

    def _blocks_of(self, document: PolicyDocument) -> list[Block]:
        key = f"{document.locale}:{document.digest}"
        if key not in self._blocks:
            self._blocks[key] = diff.blocks(document.body)
        return self._blocks[key]

    def changes(self, policy: Policy, locale: str) -> str:
        """The change log: every version, newest first, with its date, summary and materiality."""
        with i18n.use_locale(locale):
            entries = [(version, policy.previous(version)) for version in reversed(policy.versions)]
            return self.env.get_template("policy/_changes.html").render(
                entries=entries, locale=locale
            )


def received(inventory: Inventory, recipient: Recipient, locale: str) -> list[tuple[str, str]]:
    """What ``recipient`` receives, one ``(scenario title, "label, label")`` per scenario, in the
    order the inventory lists them (``check`` has made sure every key is a field)."""
    grouped: dict[str, list[str]] = {}
    for key in recipient.data:
        scenario_id, _, field_key = key.partition(".")
        scenario = inventory.scenario(scenario_id)
        item = scenario.field(field_key) if scenario else None
        if scenario and item:
            grouped.setdefault(scenario.title[locale], []).append(item.label[locale])
    comma = "、" if locale == "zh_Hans" else ", "
    return [(title, comma.join(labels)) for title, labels in grouped.items()]


def _mark(parts: tuple[tuple[str, str], ...]) -> Markup:
    html = []
    for op, text in parts:
        if op == "equal":
            html.append(escape(text))
        elif op == "insert":
            html.append(Markup("<ins>%s</ins>") % text)
        else:
            html.append(Markup("<del>%s</del>") % text)
    return Markup("").join(html)
