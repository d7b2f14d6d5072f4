"""``/policy``, ``/policy/changes``, ``/policy/<version>`` and ``/policy/<version>/changes``."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.policy.compare import combined_changes
from portal.policy.library import PolicyLibrary, VersionInfo, today_in_china
from portal.web.state import app_state, render


def _library(request: Request) -> PolicyLibrary:
    return app_state(request).policy


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
    return render(
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
    return render(
        request,
        "policy/changes.html",
        {
            "in_force": library.in_force(),
            "change_log": library.change_log(i18n.current_locale()),
        },
    )


async def version_changes(request: Request) -> Response:
    """What changed in one version against the one before it, word by word.

    ``?since=<older version>`` compares with that version instead, for a reader who skipped
    versions in between (the policy-update banner links here).
    """
    info = _version(request)
    library = _library(request)
    locale = i18n.current_locale()
    previous = library.previous(info)
    since = request.query_params.get("since")
    if since is not None and since != (previous.version if previous else None):
        older = library.get(since)
        if older is None or library.versions.index(older) >= library.versions.index(info):
            raise HTTPException(status_code=404)
        settings = app_state(request).settings
        changes = combined_changes(
            app_state(request).templates.env,
            settings.content_dir,
            older.version,
            info.version,
            locale,
        )
        if changes is None:
            raise HTTPException(status_code=404)
        previous = older
    elif previous is None:
        raise HTTPException(status_code=404)
    else:
        changes = library.changes(info.version, locale)
    return render(
        request,
        "policy/diff.html",
        {
            "info": info,
            "previous": previous,
            "changes": changes,
            # Every version after ``previous`` up to ``info``, each with its own summary.
            "steps": library.versions[
                library.versions.index(previous) + 1 : library.versions.index(info) + 1
            ],
        },
    )


routes = [
    Route("/policy", current_policy, name="policy"),
    Route("/policy/changes", change_log, name="policy_changes"),
    Route("/policy/{version:str}", policy_version, name="policy_version"),
    Route("/policy/{version:str}/changes", version_changes, name="policy_version_changes"),
]
