"""``GET /account/privacy/my-data``: "What we hold on you" (policy 5.1 A).

It only reads, so there is no form and no unsafe method. It is never cached: it is the user's
personal information, bank account digits included.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.accounts.models import User
from portal.db import request_session
from portal.privacy.services import CONTACT_EMAIL
from portal.profile.my_data.services import personal_data, site_inventory
from portal.web import require_user
from portal.web.state import app_state, render

URL = "/account/privacy/my-data"


@require_user
async def my_data(request: Request, user: User) -> Response:
    """Every scenario of the inventory with the signed-in user's own values."""
    data = await personal_data(
        session=request_session(request),
        user=user,
        data_keys=app_state(request).data_keys,
        locale=i18n.current_locale(),
        inventory=site_inventory(app_state(request).settings.content_dir),
        pricing=app_state(request).pricing,
    )
    return render(
        request,
        "profile/my_data/page.html",
        {"data": data, "contact_email": CONTACT_EMAIL},
        headers={"Cache-Control": "no-store"},
    )


routes = [Route(URL, my_data, methods=["GET"], name="my_data")]
