"""Every route has a name, and links and redirects name the route rather than spell its path.

A path then changes in its ``routes.py`` alone; a link to a route that does not exist fails when
the template renders (``NoMatchFound``), in the tests, rather than answering a customer with 404.
"""

from __future__ import annotations

import ast
import re
from collections import Counter

import pytest
from starlette.routing import Mount, NoMatchFound, Route

from portal.settings import ROOT
from portal.urls import site_routes, url_path


def _routes() -> list[Route]:
    return [route for route in site_routes() if isinstance(route, Route)]


def _unnamed_routes(source: str) -> list[int]:
    """Lines of the ``Route(...)`` calls in ``source`` without a ``name=`` keyword."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Route"
        and not any(keyword.arg == "name" for keyword in node.keywords)
    ]


def test_every_route_has_a_name() -> None:
    # Starlette would name an unnamed route after its function; links name the page instead.
    unnamed = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "site" / "portal").rglob("*routes.py"))
        if (lines := _unnamed_routes(path.read_text(encoding="utf-8")))
    }
    assert unnamed == {}


def test_route_names_are_unique() -> None:
    counts = Counter(route.name for route in _routes())
    assert [name for name, count in counts.items() if count > 1] == []


def test_the_app_serves_exactly_the_named_table(app) -> None:
    served = [route for route in app.routes if not isinstance(route, Mount)]
    assert served == list(site_routes())


def test_url_path_gives_the_relative_path() -> None:
    assert url_path("home") == "/"
    assert url_path("edit_address", address_id=7) == "/account/addresses/7/edit"
    assert url_path("policy_version_changes", version="1.2") == "/policy/1.2/changes"
    assert url_path("delete_corporate_invoice", invoice_id=3) == (
        "/account/invoices/corporate/3/delete"
    )


def test_url_path_refuses_an_unknown_name() -> None:
    with pytest.raises(NoMatchFound):
        url_path("no_such_page")


# An attribute that links or submits to a path written out: href="/account", action="/login?…".
_SPELLED_PATH = re.compile(r'\b(?:href|action|hx-(?:get|post|put|patch|delete))="/(?!/)')


TEMPLATES = ROOT / "templates"


# Mail links are absolute (``mailer.link``) and come from the services, not the templates.
@pytest.mark.parametrize(
    "template",
    sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] != "mail"
    ),
)
def test_templates_name_the_routes_they_link_to(template: str) -> None:
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    spelled = [
        source[max(0, m.start() - 20) : m.end() + 30].strip()
        for m in _SPELLED_PATH.finditer(source)
    ]
    assert spelled == [], f"{template} spells internal paths; use url_path(name, ...): {spelled}"
