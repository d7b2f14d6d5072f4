"""Render stage: policy documents, the appendix, diffs and the change log to HTML fragments.

Fragments go through the shared Jinja environment in the document's own locale; the site wraps
them in its layout, so the same file serves every visitor whatever their session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jinja2
import markdown
from markupsafe import Markup, escape

from portal import i18n
from portal.policy import diff
from portal.policy.check import INVENTORY_MARKER, REFERENCE
from portal.policy.model import Inventory, Policy, PolicyDocument, PolicyVersion

MARKDOWN_EXTENSIONS = ("meta", "attr_list", "sane_lists")
INVENTORY_PLACEHOLDER = '<div class="inventory-placeholder"></div>'


@dataclass(frozen=True)
class TocEntry:
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

    lines = [
        INVENTORY_PLACEHOLDER if line.strip() == INVENTORY_MARKER else line
        for line in text.splitlines()
    ]
    return REFERENCE.sub(replace, "\n".join(lines))


def render_document(
    env: jinja2.Environment,
    md: markdown.Markdown,
    version: PolicyVersion,
    document: PolicyDocument,
    inventory: Inventory,
    previous: PolicyVersion | None,
) -> str:
    """One version in one language: contents, the text, and the generated appendix."""
    with i18n.use_locale(document.locale):
        md.reset()
        body = md.convert(_references(document.text, inventory, document.locale))
        table = env.get_template("policy/_inventory.html").render(
            inventory=inventory, locale=document.locale
        )
        body = body.replace(INVENTORY_PLACEHOLDER, table)
        toc = [
            TocEntry(h.level, h.anchor, diff.plain(h.text))
            for h in document.headings
            if h.level in (2, 3)
        ]
        return env.get_template("policy/_article.html").render(
            version=version,
            document=document,
            previous=previous,
            toc=toc,
            body=Markup(body),  # noqa: S704 - our own content, rendered by Python-Markdown
        )


def render_diff(
    env: jinja2.Environment, old: PolicyDocument, new: PolicyDocument, version: PolicyVersion
) -> str:
    """What changed from ``old`` to ``new``, word by word, with the section of every change."""
    result = diff.diff_blocks(diff.blocks(old.body), diff.blocks(new.body))
    with i18n.use_locale(new.locale):
        return env.get_template("policy/_diff.html").render(
            old=old, new=new, version=version, diff=result, mark=_mark
        )


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


def render_changes(env: jinja2.Environment, policy: Policy, locale: str) -> str:
    """The change log: every version, newest first, with its date, summary and materiality."""
    with i18n.use_locale(locale):
        entries = [(version, policy.previous(version)) for version in reversed(policy.versions)]
        return env.get_template("policy/_changes.html").render(entries=entries, locale=locale)
