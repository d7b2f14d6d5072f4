"""A customer's quote requests.

    GET        /quotes                                      the requests, newest first
    GET, POST  /quotes/new                                  the form; drawings stream in (upload)
    POST       /quotes/new/drawings/{drawing_id}/remove     drop a drawing kept from a failed try
    GET        /quotes/{reference}                          one request, its drawings as read
    GET        /quotes/{reference}/drawings/{drawing_id}    download a drawing, decrypted
    GET, POST  /quotes/{reference}/drawings/{drawing_id}/delete   confirm, delete a drawing
    GET, POST  /quotes/{reference}/cancel                   confirm (no JavaScript), cancel
    GET, POST  /quotes/{reference}/delete                   confirm, delete (an order: restrict)

Only verified customers send requests: an unverified one is shown why and how to verify (the
policy promises quotes to the holder of an address we can answer). Another customer's
reference, or one that does not exist, answers 404 everywhere. While a request's drawings are
being read, its page asks again every two seconds with htmx (block ``drawings``); without
JavaScript a "Refresh" link does the same.
"""

from __future__ import annotations

import contextlib

from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.accounts.models import User
from portal.db import request_session
from portal.drawings.geometry import GeometryLimits
from portal.drawings.models import Drawing, DrawingStatus
from portal.drawings.services import DrawingNotFound, decrypted
from portal.profile.my_data.services import site_inventory
from portal.quotes import services
from portal.quotes.forms import QuoteForm
from portal.quotes.models import CANCELLABLE, QuoteRequest, QuoteStatus
from portal.quotes.reading import read_drawing, refresh_estimate
from portal.quotes.uploads import KEPT_FIELD, UploadLimits, limits_note, receive
from portal.quotes.views import drawing_view, quote_view
from portal.urls import url_path
from portal.web import is_htmx, rejected_status, require_user
from portal.web.csrf import read_form
from portal.web.downloads import attachment
from portal.web.limits import UploadRoute
from portal.web.state import app_state, render
from portal.web.uploads import UploadRefused

NEW_TEMPLATE = "quotes/new.html"
ADD_DRAWINGS = i18n.lazy_gettext("Add at least one drawing of the parts to quote.")


def _limits(request: Request) -> UploadLimits:
    settings = app_state(request).settings
    return UploadLimits(
        max_drawing_bytes=settings.max_drawing_bytes,
        max_drawings=settings.max_drawings,
        geometry=GeometryLimits(max_bytes=settings.max_drawing_bytes),
    )


async def _quote_or_404(request: Request, user: User) -> QuoteRequest:
    try:
        return await services.find_quote(
            request_session(request), user, request.path_params["reference"]
        )
    except services.QuoteNotFound:
        raise HTTPException(status_code=404) from None


@require_user
async def quote_list(request: Request, user: User) -> Response:
    pricing = app_state(request).pricing
    quotes = await services.list_quotes(request_session(request), user)
    context = {
        "quotes": [quote_view(q, pricing) for q in quotes],
        "deleted": request.query_params.get("deleted") == "1",
    }
    return render(request, "quotes/list.html", context)


def _render_new(
    request: Request,
    user: User,
    form: QuoteForm,
    *,
    kept: list[Drawing],
    problems: list[str],
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "pricing": app_state(request).pricing,
        "kept": [drawing_view(d) for d in kept],
        "problems": problems,
        "limits_note": limits_note(_limits(request)),
        "verified": user.email_verified_at is not None,
        "accept": ".step,.stp,.iges,.igs,.stl,.3mf,.obj,.dxf,.dwg,.x_t,.sldprt,.pdf,.zip",
    }
    if not is_htmx(request):
        return render(request, NEW_TEMPLATE, context, status_code=status_code)
    if request.method == "GET":  # a process was chosen: its materials, finishes, tolerances
        return render(request, NEW_TEMPLATE, context, block="choices")
    return render(request, NEW_TEMPLATE, context, status_code=status_code, block="form")


@require_user
async def new_quote(request: Request, user: User) -> Response:
    """GET: the form (``?process=`` narrows its lists). POST: store the drawings, then the
    request; a mistake sends the form back with the drawings already stored kept."""
    pricing = app_state(request).pricing
    if request.method != "POST":
        form = QuoteForm(pricing=pricing, data={"process_": request.query_params.get("process")})
        return _render_new(request, user, form, kept=[], problems=[])
    if user.email_verified_at is None:
        raise HTTPException(status_code=403)
    session = request_session(request)
    state = app_state(request)
    try:
        received = await receive(
            request,
            session=session,
            user=user,
            data_keys=state.data_keys,
            storage=state.drawing_storage,
            limits=_limits(request),
            already=0,
        )
    except UploadRefused:
        raise HTTPException(status_code=400) from None
    kept = await services.unattached_drawings(session, user, received.kept_ids())
    drawings = kept + received.stored
    fields: list[tuple[str, str | UploadFile]] = list(received.fields)
    form = QuoteForm.from_form(FormData(fields), pricing=pricing)
    valid = form.validate()
    problems = received.problems
    if not drawings and not problems:
        problems = [str(ADD_DRAWINGS)]
    if len(drawings) > _limits(request).max_drawings:
        problems = [
            *problems,
            i18n.gettext(
                "Remove drawings: a request takes at most %(count)s.",
                count=_limits(request).max_drawings,
            ),
        ]
    if not valid or problems:
        return _render_new(
            request,
            user,
            form,
            kept=drawings,
            problems=problems,
            status_code=rejected_status(request),
        )
    quote = await services.create_quote(
        session,
        user=user,
        choice=form.choice(),
        details=services.QuoteDetails(
            required_date=form.required_date.data, notes=form.notes.data or ""
        ),
        drawings=drawings,
    )
    ids = [d.id for d in drawings]

    async def read_them() -> None:
        for drawing_id in ids:
            await read_drawing(
                state.sessions,
                data_keys=state.data_keys,
                storage=state.drawing_storage,
                pricing=pricing,
                drawing_id=drawing_id,
                limits=_limits(request).geometry,
            )

    target = url_path("quote", reference=quote.reference)
    if is_htmx(request):  # htmx would swap the page into the form: it navigates instead
        return Response(
            status_code=204, headers={"HX-Redirect": target}, background=BackgroundTask(read_them)
        )
    return RedirectResponse(target, status_code=303, background=BackgroundTask(read_them))


@require_user
async def remove_upload(request: Request, user: User) -> Response:
    """Drop a drawing kept from a try that was sent back; the form comes back without it."""
    form_data = await read_form(request)
    session = request_session(request)
    await services.remove_unattached(
        session, app_state(request).drawing_storage, user, request.path_params["drawing_id"]
    )
    others = [str(v) for v in form_data.getlist(KEPT_FIELD)]
    others = [v for v in others if v != request.path_params["drawing_id"]]
    kept = await services.unattached_drawings(session, user, others)
    form = QuoteForm.from_form(form_data, pricing=app_state(request).pricing)
    return _render_new(request, user, form, kept=kept, problems=[])


@require_user
async def quote_page(request: Request, user: User) -> Response:
    quote = await _quote_or_404(request, user)
    session = request_session(request)
    drawings = await services.quote_drawings(session, quote)
    reading = any(d.status in (DrawingStatus.STORED, DrawingStatus.READING) for d in drawings)
    context = {
        "quote": quote_view(quote, app_state(request).pricing),
        "drawings": [drawing_view(d) for d in drawings],
        "reading": reading,
        "cancellable": quote.status in CANCELLABLE,
        "deletable": services.drawings_deletable(quote),
    }
    return render(
        request, "quotes/show.html", context, block="drawings" if is_htmx(request) else None
    )


@require_user
async def download_drawing(request: Request, user: User) -> Response:
    quote = await _quote_or_404(request, user)
    session = request_session(request)
    drawing = await services.find_quote_drawing(session, quote, request.path_params["drawing_id"])
    if drawing is None:
        raise HTTPException(status_code=404)
    state = app_state(request)
    try:
        chunks = await decrypted(
            data_keys=state.data_keys, storage=state.drawing_storage, drawing=drawing
        )
    except DrawingNotFound:
        raise HTTPException(status_code=404) from None
    return attachment(chunks, filename=drawing.filename, size=drawing.size)


@require_user
async def delete_drawing(request: Request, user: User) -> Response:
    """GET: confirm (a page, or the inline block ``confirm`` for htmx). POST: delete the
    drawing, its ciphertext gone from the store, and recompute the estimate."""
    quote = await _quote_or_404(request, user)
    session = request_session(request)
    drawing = await services.find_quote_drawing(session, quote, request.path_params["drawing_id"])
    if drawing is None:
        raise HTTPException(status_code=404)
    state = app_state(request)
    if request.method == "POST":
        await read_form(request)
        with contextlib.suppress(services.DrawingKept):  # ordered meanwhile: the page says so
            await services.delete_quote_drawing(session, state.drawing_storage, quote, drawing)
            assert quote.id is not None
            await refresh_estimate(session, state.pricing, quote.id)
        return RedirectResponse(url_path("quote", reference=quote.reference), status_code=303)
    context = {
        "quote": quote_view(quote, state.pricing),
        "drawing": drawing_view(drawing),
        "deletable": services.drawings_deletable(quote),
        "inline": is_htmx(request),
    }
    return render(
        request,
        "quotes/delete_drawing.html",
        context,
        block="confirm" if is_htmx(request) else None,
    )


@require_user
async def cancel_quote(request: Request, user: User) -> Response:
    """GET: confirm (a page, or the inline block ``confirm`` for htmx). POST: cancel."""
    quote = await _quote_or_404(request, user)
    if request.method == "POST":
        await read_form(request)
        # Ordered or closed meanwhile: nothing to cancel, and the page shows its status.
        with contextlib.suppress(services.NotCancellable):
            await services.cancel_quote(request_session(request), quote)
        return RedirectResponse(url_path("quote", reference=quote.reference), status_code=303)
    context = {"quote": quote_view(quote, app_state(request).pricing), "inline": is_htmx(request)}
    return render(
        request, "quotes/cancel.html", context, block="confirm" if is_htmx(request) else None
    )


@require_user
async def delete_quote(request: Request, user: User) -> Response:
    """GET: confirm (a page, or the inline block ``confirm`` for htmx), saying whether the
    request goes at once or, as an order, is restricted until its period ends. POST: delete."""
    quote = await _quote_or_404(request, user)
    state = app_state(request)
    years = services.keep_orders_years(site_inventory(state.settings.content_dir))
    if quote.restricted:
        return RedirectResponse(url_path("quote", reference=quote.reference), status_code=303)
    if request.method == "POST":
        await read_form(request)
        kept = await services.delete_quote(
            request_session(request), state.drawing_storage, quote, keep_orders_years=years
        )
        if kept is None:
            return RedirectResponse(url_path("quotes") + "?deleted=1", status_code=303)
        return RedirectResponse(url_path("quote", reference=quote.reference), status_code=303)
    context = {
        "quote": quote_view(quote, state.pricing),
        "ordered": quote.status == QuoteStatus.ORDERED,
        "years": years,
        "inline": is_htmx(request),
    }
    return render(
        request, "quotes/delete.html", context, block="confirm" if is_htmx(request) else None
    )


routes = [
    Route("/quotes", quote_list, name="quotes"),
    UploadRoute("/quotes/new", new_quote, methods=["GET", "POST"], name="quote_new"),
    Route(
        "/quotes/new/drawings/{drawing_id}/remove",
        remove_upload,
        methods=["POST"],
        name="quote_upload_remove",
    ),
    Route("/quotes/{reference}", quote_page, name="quote"),
    Route("/quotes/{reference}/drawings/{drawing_id}", download_drawing, name="quote_drawing"),
    Route(
        "/quotes/{reference}/drawings/{drawing_id}/delete",
        delete_drawing,
        methods=["GET", "POST"],
        name="quote_drawing_delete",
    ),
    Route(
        "/quotes/{reference}/delete",
        delete_quote,
        methods=["GET", "POST"],
        name="quote_delete",
    ),
    Route(
        "/quotes/{reference}/cancel",
        cancel_quote,
        methods=["GET", "POST"],
        name="quote_cancel",
    ),
]
