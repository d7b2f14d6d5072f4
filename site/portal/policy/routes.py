"""``/policy``, ``/policy/changes``, ``/policy/<version>`` and ``/policy/<version>/changes``."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.policy.library import PolicyLibrary, VersionInfo, today_in_china


def _library(request: Request) -> PolicyLibrary:
    return request.app.state.policy


def _version(request: Request) -> VersionInfo:
    info = _library(request).get(request.path_params["version"])
    if info is None:
        raise HTTPException(status_code=404)
    return info


async def current_policy(request: Request) -> Response:
    """The version in force, in the visitor's language."""
    library = _library(request)
    info = library.in_force()
    if info is None:
        raise HTTPException(status_code=404)
    return _show(request, info, canonical=True)


async def policy_version(request: Request) -> Response:
    return _show(request, _version(request), canonical=False)


def _show(request: Request, info: VersionInfo, *, canonical: bool) -> Response:
    library = _library(request)
    today = today_in_china()
    in_force = library.in_force(today)
    return request.app.state.templates.render(
        request,
        "policy/show.html",
        {
            "info": info,
            "in_force": in_force,
            "upcoming": library.upcoming(today),
            "is_current": in_force is not None and info.version == in_force.version,
            "canonical": canonical,
            "article": library.document(info.version, i18n.current_locale()),
        },
    )


async def change_log(request: Request) -> Response:
    library = _library(request)
    return request.app.state.templates.render(
        request,
        "policy/changes.html",
        {
            "in_force": library.in_force(),
            "change_log": library.change_log(i18n.current_locale()),
        },
    )


async def version_changes(request: Request) -> Response:
    """What changed in one version against the one before it, word by word."""
    info = _version(request)
    library = _library(request)
    previous = library.previous(info)
    if previous is None:
        raise HTTPException(status_code=404)
    return request.app.state.templates.render(
        request,
        "policy/diff.html",
        {
            "info": info,
            "previous": previous,
            "changes": library.changes(info.version, i18n.current_locale()),
        },
    )


routes = [
    Route("/policy", current_policy, name="policy"),
    Route("/policy/changes", change_log, name="policy_changes"),
    Route("/policy/{version:str}", policy_version, name="policy_version"),
    Route("/policy/{version:str}/changes", version_changes, name="policy_version_changes"),
]
