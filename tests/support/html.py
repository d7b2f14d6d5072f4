"""Reading the HTML of a response: the few facts tests ask about, without a parser dependency."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    #: ``(name, value)`` of each submit button, in order.
    buttons: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    html_lang: str | None = None
    title: str = ""
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    meta: dict[str, str] = field(default_factory=dict)
    #: Text inside ``<ins>`` and ``<del>`` elements (the policy diff).
    inserted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    footer_links: list[str] = field(default_factory=list)
    #: ``src``/``href`` of every script, stylesheet, icon and image.
    assets: list[str] = field(default_factory=list)
    #: What a CSP without 'unsafe-inline' would block: inline ``<script>``, ``<style>``,
    #: ``style=""`` and ``on*=""`` attributes, ``javascript:`` URLs (described, for messages).
    inline_code: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = Document()
        self._form: Form | None = None
        self._in_title = False
        self._capture: list[tuple[str, list[str]]] = []
        self._footer_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if "id" in a:
            self.doc.ids.add(a["id"])
        for name, value in a.items():
            if name == "style" or name.startswith("on"):
                self.doc.inline_code.append(f"<{tag} {name}=...>")
            elif name in {"href", "src", "action"} and value.lower().startswith("javascript:"):
                self.doc.inline_code.append(f"<{tag} {name}={value!r}>")
        if tag in {"script", "img"} and a.get("src"):
            self.doc.assets.append(a["src"])
        elif tag == "link" and a.get("href"):
            self.doc.assets.append(a["href"])
        elif tag == "script":
            self.doc.inline_code.append("<script> without src")
        elif tag == "style":
            self.doc.inline_code.append("<style>")
        if tag == "html":
            self.doc.html_lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and "name" in a:
            self.doc.meta[a["name"]] = a.get("content", "")
        elif tag == "footer":
            self._footer_depth += 1
        elif tag == "a" and "href" in a:
            self.doc.links.append(a["href"])
            if self._footer_depth:
                self.doc.footer_links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.doc.forms.append(self._form)
        elif tag in {"input", "textarea", "select"} and self._form is not None and "name" in a:
            if a.get("type") == "submit":
                self._form.buttons.append((a["name"], a.get("value", "")))
            else:
                self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self._form is not None and "name" in a:
            self._form.buttons.append((a["name"], a.get("value", "")))
        if tag in {"ins", "del"}:
            self._capture.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "form":
            self._form = None
        elif tag == "footer":
            self._footer_depth -= 1
        elif tag in {"ins", "del"} and self._capture and self._capture[-1][0] == tag:
            _, parts = self._capture.pop()
            target = self.doc.inserted if tag == "ins" else self.doc.deleted
            target.append("".join(parts))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.doc.title += data
        for _, parts in self._capture:
            parts.append(data)


def parse(html: str) -> Document:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.doc
