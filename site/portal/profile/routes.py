"""The Personal Center's routes, part by part (each part's ``routes`` module lists its own).

Every route here is for the signed-in user's own data: a record of another user answers 404,
exactly like a record that does not exist.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from portal.profile.account import email_routes as login_email
from portal.profile.account import mobile_routes as mobile
from portal.profile.account import routes as account
from portal.profile.addresses import routes as addresses
from portal.profile.export import routes as export
from portal.profile.invoices import routes as invoices
from portal.profile.my_data import routes as my_data
from portal.profile.subscriptions import routes as subscriptions

routes: list[BaseRoute] = [
    # Each part adds ``*<part>.routes`` here.
    *addresses.routes,
    *invoices.routes,
    *account.routes,
    *login_email.routes,
    *mobile.routes,
    *subscriptions.routes,
    *my_data.routes,
    *export.routes,
]
