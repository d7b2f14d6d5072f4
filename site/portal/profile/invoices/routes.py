"""``/account/invoices``: corporate and personal invoice details, and the consents to their
sensitive values (the bank account, the resident ID number).

    GET        /account/invoices                                          both lists
    GET, POST  /account/invoices/corporate/new                            add
    GET, POST  /account/invoices/corporate/{invoice_id:int}/edit          edit
    GET, POST  /account/invoices/corporate/{invoice_id:int}/delete        confirm (no JS), delete
    GET, POST  /account/invoices/personal/new                             (the same, personal)
    GET, POST  /account/invoices/personal/{invoice_id:int}/edit
    GET, POST  /account/invoices/personal/{invoice_id:int}/delete
    GET, POST  /account/invoices/bank-account/withdraw                    confirm, withdraw consent
    GET, POST  /account/invoices/resident-id/withdraw                     (the same, ID numbers)

An id that is not one of the signed-in user's invoice details of that kind (another user's, a
deleted one, one beyond 2**31-1) answers 404 on every route. Without JavaScript every action is
a plain form that redirects (303) back to the list; with htmx, delete and withdraw swap the
lists in place (block ``invoices``). The add and edit forms are plain forms with or without
JavaScript: a rejected one comes back as a whole page.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.accounts.models import User
from portal.db import request_session
from portal.forms.regions import wants_city_refresh
from portal.profile.invoices import bank, resident_ids, services
from portal.profile.invoices.pages import (
    FORM_TEMPLATE,
    KINDS,
    LIST_URL,
    Kind,
    channel_of,
    render_list,
)
from portal.profile.invoices.sensitive import SensitiveField
from portal.urls import url_path
from portal.web import Endpoint, is_htmx, rejected_status, require_user
from portal.web.csrf import read_form
from portal.web.state import app_state, render


def _done(what: str) -> Response:
    return RedirectResponse(f"{url_path('invoices')}?done={what}", status_code=303)


async def _invoice_or_404(request: Request, user: User, kind: Kind) -> Any:
    invoice = await services.get_invoice(
        session=request_session(request),
        user=user,
        model=kind.model,
        invoice_id=request.path_params["invoice_id"],
    )
    if invoice is None:
        raise HTTPException(status_code=404)
    return invoice


async def _render_form(
    request: Request,
    user: User,
    kind: Kind,
    form: Any,
    *,
    action: str,
    editing: bool = False,
    status_code: int = 200,
    full: bool = False,
    saved: str | None = None,
    unreadable: bool = False,
) -> Response:
    # Plain values only: after a service rolled back, the invoice's attributes are expired.
    session = request_session(request)
    context: dict[str, Any] = {
        "form": form,
        "kind": kind.name,
        "action": action,
        "editing": editing,
        "full": full,
        "full_message": kind.full_message,
        "consent_standing": await services.has_consent(
            session=session, user=user, field=kind.sensitive
        ),
        "saved_value": saved,  # the saved sensitive value, masked
        "saved_unreadable": unreadable,
    }
    return render(request, FORM_TEMPLATE, context, status_code=status_code)


@require_user
async def invoice_list(request: Request, user: User) -> Response:
    return await render_list(request, user, done=request.query_params.get("done"))


async def _validate(request: Request, user: User, form: Any) -> bool:
    """The form's own checks, and the consent box beside them, so one round shows every error.

    The service checks the consent again when it saves (it is the rule; this is the courtesy).
    """
    valid: bool = form.validate()
    field = form.SENSITIVE
    wanted = not form.errors.get(field.column) and form.sensitive_value() is not None
    if wanted and not form[field.consent_box].data:
        session = request_session(request)
        if not await services.has_consent(session=session, user=user, field=field):
            form.flag_missing_consent()
            return False
    return valid


def _new(kind: Kind) -> Endpoint:
    @require_user
    async def new_invoice(request: Request, user: User) -> Response:
        """GET: an empty form (or why none can be added). POST: add the invoice details."""
        form_data = await read_form(request) if request.method == "POST" else None
        session = request_session(request)
        action = url_path(f"new_{kind.name}_invoice")
        if form_data is None:
            count = len(await services.list_invoices(session=session, user=user, model=kind.model))
            # The account's invoice email is the likeliest address for invoices too.
            form = kind.form(data={"invoice_email": user.invoice_email or user.email})
            full = count >= services.MAX_INVOICES
            return await _render_form(request, user, kind, form, action=action, full=full)
        form = kind.form.from_form(form_data)
        if wants_city_refresh(form_data):  # "Show cities" without JavaScript: save nothing
            return await _render_form(request, user, kind, form, action=action)
        rejected = rejected_status(request)
        if not await _validate(request, user, form):
            return await _render_form(
                request, user, kind, form, action=action, status_code=rejected
            )
        try:
            await services.add_invoice(
                session=session,
                user=user,
                model=kind.model,
                data=form.invoice_data(),
                sensitive=form.sensitive_change(),
                data_keys=app_state(request).data_keys,
                channel=channel_of(request),
            )
        except services.InvoiceListFull:
            return await _render_form(
                request, user, kind, form, action=action, full=True, status_code=rejected
            )
        except services.ConsentNeeded:
            form.flag_missing_consent()
            return await _render_form(
                request, user, kind, form, action=action, status_code=rejected
            )
        return _done(f"{kind.name}_added")

    return new_invoice


def _edit(kind: Kind) -> Endpoint:
    @require_user
    async def edit_invoice(request: Request, user: User) -> Response:
        """GET: the form filled with the saved details. POST: save the changes."""
        form_data = await read_form(request) if request.method == "POST" else None
        invoice = await _invoice_or_404(request, user, kind)
        action = url_path(f"edit_{kind.name}_invoice", invoice_id=invoice.id)
        saved = await kind.saved_sensitive(app_state(request).data_keys, invoice)
        unreadable = kind.sensitive.stored(invoice) is not None and saved is None
        options: dict[str, Any] = {
            "action": action,
            "editing": True,
            "saved": saved,
            "unreadable": unreadable,
        }
        invoice_id = invoice.id
        if form_data is None:
            form = kind.form.for_invoice(invoice)
            kind.flag_stale_region(form, invoice)
            return await _render_form(request, user, kind, form, **options)
        form = kind.form.from_form(form_data)
        if wants_city_refresh(form_data):
            return await _render_form(request, user, kind, form, **options)
        rejected = rejected_status(request)
        if not await _validate(request, user, form):
            return await _render_form(request, user, kind, form, status_code=rejected, **options)
        try:
            await services.update_invoice(
                session=request_session(request),
                user=user,
                model=kind.model,
                invoice_id=invoice_id,
                data=form.invoice_data(),
                sensitive=form.sensitive_change(),
                data_keys=app_state(request).data_keys,
                channel=channel_of(request),
            )
        except services.ConsentNeeded:
            form.flag_missing_consent()
            return await _render_form(request, user, kind, form, status_code=rejected, **options)
        return _done("saved")

    return edit_invoice


def _delete(kind: Kind) -> Endpoint:
    @require_user
    async def delete_invoice(request: Request, user: User) -> Response:
        """GET: "Delete these invoice details?" (a page; for htmx, the question inside the
        card). POST: delete them."""
        if request.method == "GET":
            invoice = await _invoice_or_404(request, user, kind)
            card = await kind.card(invoice, app_state(request).data_keys)
            context = {"card": card, "inline": is_htmx(request)}
            return render(request, "profile/invoices/delete.html", context, block="confirm")
        await read_form(request)
        deleted = await services.delete_invoice(
            session=request_session(request),
            user=user,
            model=kind.model,
            invoice_id=request.path_params["invoice_id"],
        )
        if not deleted:
            raise HTTPException(status_code=404)
        if is_htmx(request):
            return await render_list(request, user, done="deleted")
        return _done("deleted")

    return delete_invoice


#: The page that asks before a withdrawal, per consent, and what the list says after it.
WITHDRAWALS = {
    bank.FIELD.purpose: ("profile/invoices/withdraw.html", "withdrawn"),
    resident_ids.FIELD.purpose: (
        "profile/invoices/withdraw_resident_id.html",
        "resident_id_withdrawn",
    ),
}


def _withdraw(field: SensitiveField) -> Endpoint:
    template, done = WITHDRAWALS[field.purpose]

    @require_user
    async def withdraw(request: Request, user: User) -> Response:
        """GET: what withdrawing erases, and a button (for htmx, inside the consent's
        section). POST: withdraw and erase."""
        session = request_session(request)
        if request.method == "GET":
            invoices = await services.list_invoices(session=session, user=user, model=field.model)
            context = {
                "consent_standing": await services.has_consent(
                    session=session, user=user, field=field
                ),
                "stored": sum(1 for invoice in invoices if field.stored(invoice) is not None),
                "inline": is_htmx(request),
            }
            return render(request, template, context, block="confirm")
        await read_form(request)
        await services.withdraw_consent(
            session=session, user=user, field=field, channel=channel_of(request)
        )
        if is_htmx(request):
            return await render_list(request, user, done=done)
        return _done(done)

    return withdraw


def _routes() -> list[Route]:
    found = []
    for kind in KINDS.values():
        base = f"{LIST_URL}/{kind.name}"
        found += [
            Route(
                f"{base}/new", _new(kind), methods=["GET", "POST"], name=f"new_{kind.name}_invoice"
            ),
            Route(
                f"{base}/{{invoice_id:int}}/edit",
                _edit(kind),
                methods=["GET", "POST"],
                name=f"edit_{kind.name}_invoice",
            ),
            Route(
                f"{base}/{{invoice_id:int}}/delete",
                _delete(kind),
                methods=["GET", "POST"],
                name=f"delete_{kind.name}_invoice",
            ),
        ]
    return found


routes = [
    Route(LIST_URL, invoice_list, methods=["GET"], name="invoices"),
    Route(
        f"{LIST_URL}/bank-account/withdraw",
        _withdraw(bank.FIELD),
        methods=["GET", "POST"],
        name="withdraw_bank_account_consent",
    ),
    Route(
        f"{LIST_URL}/resident-id/withdraw",
        _withdraw(resident_ids.FIELD),
        methods=["GET", "POST"],
        name="withdraw_resident_id_consent",
    ),
    *_routes(),
]
