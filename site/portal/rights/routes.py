"""A customer's privacy requests (policy 5.7), in the Personal Center.

    GET        /account/privacy/requests                       the requests, newest first
    GET, POST  /account/privacy/requests/new                   the form (``?kind=`` preselects)
    GET        /account/privacy/requests/{reference}           one request: due date, history
    GET, POST  /account/privacy/requests/{reference}/withdraw  confirm (no JavaScript), withdraw

Another customer's reference, or one that does not exist, answers 404 everywhere.
"""

from __future__ import annotations

import contextlib

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.accounts.models import User
from portal.db import request_session
from portal.rights import services
from portal.rights.forms import PrivacyRequestForm
from portal.rights.labels import (
    DELETION_REASONS,
    EVENT_NAMES,
    KIND_HINTS,
    KIND_NAMES,
    STATUS_NAMES,
)
from portal.rights.models import PrivacyRequest
from portal.urls import url_path
from portal.web import is_htmx, rejected_status, require_user
from portal.web.csrf import read_form
from portal.web.requests import see_other
from portal.web.state import app_state, render

LABELS = {
    "kinds": KIND_NAMES,
    "hints": KIND_HINTS,
    "statuses": STATUS_NAMES,
    "reasons": DELETION_REASONS,
    "event_names": EVENT_NAMES,
}


async def _request_or_404(request: Request, user: User) -> PrivacyRequest:
    try:
        return await services.find_request(
            request_session(request), user, request.path_params["reference"]
        )
    except services.RequestNotFound:
        raise HTTPException(status_code=404) from None


@require_user
async def request_list(request: Request, user: User) -> Response:
    found = await services.list_requests(request_session(request), user)
    return render(request, "rights/list.html", {"requests": found, **LABELS})


@require_user
async def new_request(request: Request, user: User) -> Response:
    if request.method == "POST":
        form = PrivacyRequestForm.from_form(await read_form(request))
        if form.validate():
            filed = await services.file_request(
                session=request_session(request),
                mailer=app_state(request).mailer,
                user=user,
                details=form.request_details(),
            )
            return see_other(request, url_path("privacy_request", reference=filed.reference))
        status_code = rejected_status(request)
    else:
        kind = request.query_params.get("kind", "")
        form = PrivacyRequestForm(data={"kind": kind if kind in KIND_NAMES else None})
        status_code = 200
    return render(
        request,
        "rights/new.html",
        {"form": form, **LABELS},
        status_code=status_code,
        block="request_form",
    )


@require_user
async def request_page(request: Request, user: User) -> Response:
    found = await _request_or_404(request, user)
    events = await services.history(request_session(request), found)
    context = {
        "request_": found,
        "events": events,
        **LABELS,
    }
    return render(request, "rights/show.html", context)


@require_user
async def withdraw(request: Request, user: User) -> Response:
    """GET: confirm (a page, or the inline block ``confirm`` for htmx). POST: withdraw."""
    found = await _request_or_404(request, user)
    if request.method == "POST":
        await read_form(request)
        # Answered meanwhile: nothing to withdraw, and the page shows the answer.
        with contextlib.suppress(services.NotOpen):
            await services.withdraw_request(
                session=request_session(request), user=user, request=found
            )
        target = url_path("privacy_request", reference=found.reference)
        return RedirectResponse(target, status_code=303)
    if not found.is_open:
        target = url_path("privacy_request", reference=found.reference)
        return RedirectResponse(target, status_code=303)
    context = {"request_": found, "inline": is_htmx(request), **LABELS}
    return render(
        request, "rights/withdraw.html", context, block="confirm" if is_htmx(request) else None
    )


routes = [
    Route("/account/privacy/requests", request_list, methods=["GET"], name="privacy_requests"),
    Route(
        "/account/privacy/requests/new",
        new_request,
        methods=["GET", "POST"],
        name="privacy_request_new",
    ),
    Route(
        "/account/privacy/requests/{reference}",
        request_page,
        methods=["GET"],
        name="privacy_request",
    ),
    Route(
        "/account/privacy/requests/{reference}/withdraw",
        withdraw,
        methods=["GET", "POST"],
        name="privacy_request_withdraw",
    ),
]
