"""``/transfers/{token}``: where a receiving processor downloads a transferred copy (policy 5.2).

The link comes by mail (``portal.rights.transfers``), so GET only shows a page: who the copy
is for, what it holds, and a button. The button's POST marks the link used and records the
disclosure before the ZIP streams. A forged, expired or used link gets a page that says which,
with the status a crawler understands (404, 410).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.db import request_session
from portal.profile.export.routes import copy_download
from portal.profile.export.services import TRANSFERRED
from portal.rights import transfers
from portal.web.csrf import read_form
from portal.web.state import app_state, render

#: How each refusal answers: "invalid" names nothing we know; the others did exist.
REFUSAL_STATUS = {"invalid": 404, "expired": 410, "used": 410}


async def transfer_download(request: Request) -> Response:
    session = request_session(request)
    secret_key = app_state(request).settings.secret_key
    if request.method == "POST":
        await read_form(request)
    try:
        opened = await transfers.open_link(
            session, token=request.path_params["token"], secret_key=secret_key
        )
        if request.method == "POST":
            await transfers.use_link(session, opened)
    except transfers.LinkRefused as refused:
        return render(
            request,
            "rights/transfer_refused.html",
            {"reason": refused.reason},
            status_code=REFUSAL_STATUS[refused.reason],
            headers={"Cache-Control": "no-store"},
        )
    if request.method == "POST":
        return await copy_download(request, opened.customer, action=TRANSFERRED)
    return render(
        request,
        "rights/transfer.html",
        {"opened": opened, "token": request.path_params["token"]},
        headers={"Cache-Control": "no-store"},
    )


routes = [
    Route(
        "/transfers/{token}",
        transfer_download,
        methods=["GET", "POST"],
        name="transfer_download",
    ),
]
