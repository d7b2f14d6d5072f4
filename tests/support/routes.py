"""Walking the app's route table, so a sweep covers the routes later issues add."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from starlette.convertors import FloatConvertor, IntegerConvertor, PathConvertor, UUIDConvertor
from starlette.routing import BaseRoute, Mount, Route, Router


def _sample(convertor: object) -> object:
    if isinstance(convertor, IntegerConvertor):
        return 1
    if isinstance(convertor, FloatConvertor):
        return 1.5
    if isinstance(convertor, UUIDConvertor):
        return uuid.UUID(int=1)
    if isinstance(convertor, PathConvertor):
        return "sample/path"
    return "sample"


def concrete(path_format: str, convertors: dict[str, Any]) -> str:
    """The route's path with a sample value (``1`` for an ``int``) in each parameter."""
    for name, convertor in convertors.items():
        path_format = path_format.replace("{" + name + "}", convertor.to_string(_sample(convertor)))
    return path_format


def route_table(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(method, path)`` for every method of every route (static files left out)."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                yield method, prefix + concrete(route.path_format, route.param_convertors)
        elif isinstance(route, Mount) and isinstance(route.app, Router):
            mount_prefix = concrete(route.path_format.removesuffix("/{path}"), {})
            yield from route_table(route.routes, prefix + mount_prefix)


def routes_with_ids(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(method, path)`` for every method of every route with an integer parameter, each such
    parameter left as ``{name}`` (the others get sample values) for a test to fill in."""
    for route in routes:
        if isinstance(route, Route):
            ids = {
                n: c for n, c in route.param_convertors.items() if isinstance(c, IntegerConvertor)
            }
            if not ids:
                continue
            others = {n: c for n, c in route.param_convertors.items() if n not in ids}
            for method in sorted(route.methods or ()):
                yield method, prefix + concrete(route.path_format, others)
        elif isinstance(route, Mount) and isinstance(route.app, Router):
            mount_prefix = concrete(route.path_format.removesuffix("/{path}"), {})
            yield from routes_with_ids(route.routes, prefix + mount_prefix)
