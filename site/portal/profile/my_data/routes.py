"""``GET /account/privacy/my-data``: "What we hold on you" (policy 5.1 A).

It only reads, so there is no form and no unsafe method. It is never cached: it is the user's
personal information, bank account digits included. ``?history_page=N`` shows page N of the
change history (anything else, page 1; past the end, the last) and opens it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.accounts.models import User
from portal.db import request_session
from portal.privacy.services import CONTACT_EMAIL
from portal.profile.my_data.history import HISTORY_ANCHOR
from portal.profile.my_data.services import personal_data, site_inventory
from portal.web import require_user
from portal.web.requests import page_number
from portal.web.state import app_state, render

URL = "/account/privacy/my-data"
#: The query parameter that names a page of the change history.
HISTORY_PAGE = "history_page"


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
        history_page=page_number(request, HISTORY_PAGE),
    )
    # A link to a page of the history lands on it: the history is shown open.
    opened = {HISTORY_ANCHOR} if HISTORY_PAGE in request.query_params else set()
    return render(
        request,
        "profile/my_data/page.html",
        {
            "data": data,
            "contact_email": CONTACT_EMAIL,
            "opened": opened,
            "history_page": HISTORY_PAGE,
        },
        headers={"Cache-Control": "no-store"},
    )


routes = [Route(URL, my_data, methods=["GET"], name="my_data")]
