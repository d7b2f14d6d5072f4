"""``/account/addresses``: the list, add, edit, delete and "make default".

    GET        /account/addresses                              the list (cards)
    GET, POST  /account/addresses/new                          add
    GET, POST  /account/addresses/{address_id:int}/edit        edit
    GET, POST  /account/addresses/{address_id:int}/delete      confirm (no JavaScript), delete
    POST       /account/addresses/{address_id:int}/default     make it the default

An id that is not one of the signed-in user's addresses (another user's, a deleted one, one
larger than the database can hold) answers 404 on every route, GET and POST alike. Without
JavaScript every action is a plain form that redirects (303) back to the list; with htmx,
delete and "make default" swap the list in place (block ``addresses``).
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n, regions
from portal.accounts.models import User
from portal.db import request_session
from portal.forms.regions import wants_city_refresh
from portal.i18n import lazy_gettext as _l
from portal.profile.addresses import services
from portal.profile.addresses.forms import ShippingAddressForm
from portal.profile.addresses.views import address_card
from portal.profile.models import ShippingAddress
from portal.urls import url_path
from portal.web import is_htmx, rejected_status, require_user
from portal.web.csrf import read_form
from portal.web.state import render

LIST_URL = "/account/addresses"
LIST_TEMPLATE = "profile/addresses/list.html"
FORM_TEMPLATE = "profile/addresses/form.html"
DELETE_TEMPLATE = "profile/addresses/delete.html"

# What the list says after a change (``?done=``); anything else in the query says nothing.
DONE = {
    "added": _l("The address has been added."),
    "saved": _l("Your changes have been saved."),
    "deleted": _l("The address has been deleted."),
    "default": _l("The default address has been changed."),
}
CHOOSE_AGAIN = _l("The list of places has changed since you saved this address: choose it again.")


def _full_message() -> str:
    return i18n.gettext(
        "You have %(count)s addresses, the most you can keep. Delete one you no longer need to add another.",
        count=services.MAX_ADDRESSES,
    )


def _done(what: str) -> Response:
    return RedirectResponse(f"{url_path('addresses')}?done={what}", status_code=303)


async def _address_or_404(request: Request, user: User) -> ShippingAddress:
    address = await services.get_address(
        session=request_session(request), user=user, address_id=request.path_params["address_id"]
    )
    if address is None:
        raise HTTPException(status_code=404)
    return address


async def _render_list(request: Request, user: User, *, done: str | None) -> Response:
    addresses = await services.list_addresses(session=request_session(request), user=user)
    context = {
        "cards": [address_card(address) for address in addresses],
        "full": len(addresses) >= services.MAX_ADDRESSES,
        "full_message": _full_message(),
        "done": DONE.get(done or ""),
        "swapped": is_htmx(request),
    }
    return render(request, LIST_TEMPLATE, context, block="addresses")


def _render_form(
    request: Request,
    form: ShippingAddressForm,
    *,
    action: str,
    editing: bool,
    status_code: int = 200,
    full: bool = False,
) -> Response:
    context = {
        "form": form,
        "action": action,
        "editing": editing,
        "full": full,
        "full_message": _full_message(),
    }
    return render(request, FORM_TEMPLATE, context, status_code=status_code)


@require_user
async def address_list(request: Request, user: User) -> Response:
    return await _render_list(request, user, done=request.query_params.get("done"))


@require_user
async def new_address(request: Request, user: User) -> Response:
    """GET: an empty form (or why none can be added). POST: add the address."""
    form_data: FormData | None = await read_form(request) if request.method == "POST" else None
    session = request_session(request)
    action = url_path("new_address")
    if form_data is None:
        addresses = await services.list_addresses(session=session, user=user)
        full = len(addresses) >= services.MAX_ADDRESSES
        return _render_form(request, ShippingAddressForm(), action=action, editing=False, full=full)
    form = ShippingAddressForm.from_form(form_data)
    if wants_city_refresh(form_data):  # "Show cities" without JavaScript: save nothing
        return _render_form(request, form, action=action, editing=False)
    if form.validate():
        try:
            await services.add_shipping_address(
                session=session, user=user, data=form.address_data()
            )
        except services.AddressBookFull:
            return _render_form(
                request,
                form,
                action=action,
                editing=False,
                full=True,
                status_code=rejected_status(request),
            )
        return _done("added")
    return _render_form(
        request, form, action=action, editing=False, status_code=rejected_status(request)
    )


@require_user
async def edit_address(request: Request, user: User) -> Response:
    """GET: the form filled with the address. POST: save the changes."""
    form_data: FormData | None = await read_form(request) if request.method == "POST" else None
    address = await _address_or_404(request, user)
    action = url_path("edit_address", address_id=address.id)
    if form_data is None:
        form = ShippingAddressForm.for_address(address)
        # A code a later data release dropped (regions.py): say so, and ask to choose again.
        if regions.province(address.province) is None:
            form.province.errors = [str(CHOOSE_AGAIN)]
        elif not regions.is_city_of(address.city, address.province):
            form.city.errors = [str(CHOOSE_AGAIN)]
        return _render_form(request, form, action=action, editing=True)
    form = ShippingAddressForm.from_form(form_data)
    if wants_city_refresh(form_data):
        return _render_form(request, form, action=action, editing=True)
    if form.validate():
        await services.update_shipping_address(
            session=request_session(request),
            user=user,
            address_id=address.id,  # type: ignore[arg-type]
            data=form.address_data(),
        )
        return _done("saved")
    return _render_form(
        request, form, action=action, editing=True, status_code=rejected_status(request)
    )


@require_user
async def delete_address(request: Request, user: User) -> Response:
    """GET: "Delete this address?" (a page; for htmx, the question inside the card). POST:
    delete it."""
    if request.method == "GET":
        address = await _address_or_404(request, user)
        addresses = await services.list_addresses(session=request_session(request), user=user)
        context = {
            "card": address_card(address),
            "has_others": len(addresses) > 1,
            "inline": is_htmx(request),
        }
        return render(request, DELETE_TEMPLATE, context, block="confirm")
    await read_form(request)
    deleted = await services.delete_shipping_address(
        session=request_session(request), user=user, address_id=request.path_params["address_id"]
    )
    if not deleted:
        raise HTTPException(status_code=404)
    if is_htmx(request):
        return await _render_list(request, user, done="deleted")
    return _done("deleted")


@require_user(back_to="addresses")
async def make_default(request: Request, user: User) -> Response:
    """Make the address the default: the list again (htmx), or a redirect to it."""
    await read_form(request)
    changed = await services.make_default_address(
        session=request_session(request), user=user, address_id=request.path_params["address_id"]
    )
    if not changed:
        raise HTTPException(status_code=404)
    if is_htmx(request):
        return await _render_list(request, user, done="default")
    return _done("default")


routes = [
    Route(LIST_URL, address_list, methods=["GET"], name="addresses"),
    Route(f"{LIST_URL}/new", new_address, methods=["GET", "POST"], name="new_address"),
    Route(
        f"{LIST_URL}/{{address_id:int}}/edit",
        edit_address,
        methods=["GET", "POST"],
        name="edit_address",
    ),
    Route(
        f"{LIST_URL}/{{address_id:int}}/delete",
        delete_address,
        methods=["GET", "POST"],
        name="delete_address",
    ),
    Route(
        f"{LIST_URL}/{{address_id:int}}/default",
        make_default,
        methods=["POST"],
        name="make_default_address",
    ),
]
