"""The site's route table, and the path of a route by its name.

Templates and redirects name the page they link to (``url_path("edit_address", address_id=3)``)
instead of spelling its path, so a path changes in its ``routes.py`` alone and a link to a route
that does not exist fails loudly (``NoMatchFound``) rather than answering 404 to a customer.

The table is built without an app: the policy build (``build.py``) renders some of the same
templates with no request and no app, and names the policy's routes just the same. ``create_app``
serves exactly this table (plus the static files, linked through ``static_url``).
"""

from __future__ import annotations

import functools

from starlette.routing import BaseRoute, Router


@functools.cache
def site_routes() -> tuple[BaseRoute, ...]:
    """Every area's routes, in the order the app matches them.

    Imported here, not at the top of the module: the areas' routes name routes themselves.
    """
    from portal.accounts import routes as accounts
    from portal.pages import routes as pages
    from portal.policy import routes as policy
    from portal.privacy import routes as privacy
    from portal.profile import routes as profile
    from portal.quotes import routes as quotes
    from portal.quotes import staff_routes as staff_quotes
    from portal.regions import routes as regions
    from portal.rights import routes as rights
    from portal.rights import staff_routes as staff_rights
    from portal.rights import transfer_routes as transfers
    from portal.staff import routes as staff

    return (
        *pages.routes,
        *accounts.routes,
        *policy.routes,
        *privacy.routes,
        *regions.routes,
        *profile.routes,
        *quotes.routes,
        *rights.routes,
        *transfers.routes,
        *staff.routes,
        *staff_quotes.routes,
        *staff_rights.routes,
    )


@functools.cache
def _router() -> Router:
    return Router(routes=list(site_routes()))


def url_path(name: str, /, **params: object) -> str:
    """The path (no scheme, no host) of the route called ``name``, with its path ``params``.

    Raises ``starlette.routing.NoMatchFound`` for an unknown name or missing parameters.
    """
    return str(_router().url_path_for(name, **params))
