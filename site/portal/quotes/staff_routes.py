"""``/staff/quotes``: staff with the quoting role list, read, download and answer quote requests.

Each route is behind ``require_staff(Role.QUOTING)`` (admins have every role). A drawing is a
customer's data: its download is written to the audit log, and committed, before the first byte
is sent, so there is no read of a drawing without its line in the log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote as percent_encode

from sqlalchemy import select
from sqlmodel import col
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from portal import i18n
from portal.accounts.responses import client_of
from portal.crypto import DecryptionError
from portal.db import request_session
from portal.drawings.models import Drawing
from portal.drawings.services import DrawingNotFound, decrypted
from portal.i18n import current_locale
from portal.profile.models import CorporateInvoice
from portal.quotes import staff as services
from portal.quotes.labels import DRAWING_STATES, NO_ESTIMATE, STATUS_NAMES, UNIT_NAMES
from portal.quotes.models import QuoteRequest, QuoteStatus
from portal.quotes.rates import Pricing
from portal.quotes.staff_forms import QuoteAnswerForm
from portal.staff.models import Role, StaffMember
from portal.urls import url_path
from portal.web.csrf import read_form
from portal.web.requests import page_number, rejected_status, require_staff
from portal.web.state import app_state, render

# -- what the pages show -----------------------------------------------------------------------


def _number(value: float, places: int = 2) -> str:
    """``100.0`` -> ``100``, ``12.345`` -> ``12.35``, with thousands separators."""
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class PartView:
    name: str | None
    size: str | None  # "100 × 50 × 20"; None without geometry
    volume: str | None  # "85"; None for a mesh that is not closed
    units: Any  # the units the file declares (translated), or None
    error: str | None


@dataclass(frozen=True)
class DrawingView:
    drawing: Drawing
    size: str  # of the file, in KB or MB
    state: Any
    parts: list[PartView]


def _part(raw: dict[str, Any]) -> PartView:
    geometry = raw.get("geometry")
    size = volume = units = None
    if isinstance(geometry, dict):
        dims = geometry.get("size_mm")
        if isinstance(dims, list | tuple) and len(dims) == 3:
            size = " × ".join(_number(float(d)) for d in dims)
        cubic = geometry.get("volume_mm3")
        if (
            geometry.get("watertight") is not False
            and isinstance(cubic, int | float)
            and math.isfinite(cubic)
        ):
            volume = _number(cubic / 1000)
        declared = geometry.get("declared_units")
        if isinstance(declared, str) and declared:
            units = UNIT_NAMES.get(declared.lower(), declared)
    name = raw.get("name")
    error = raw.get("error")
    return PartView(
        name=name if isinstance(name, str) and name else None,
        size=size,
        volume=volume,
        units=units,
        error=error if isinstance(error, str) and error else None,
    )


def _drawing_view(drawing: Drawing) -> DrawingView:
    parts = [_part(p) for p in drawing.parts or [] if isinstance(p, dict)]
    return DrawingView(
        drawing=drawing,
        size=i18n.format_size(drawing.size),
        state=DRAWING_STATES.get(drawing.status, drawing.status),
        parts=parts,
    )


def _choice(pricing: Pricing, quote: QuoteRequest) -> dict[str, str]:
    """The process, material, finish and tolerance in the reader's language (the key when the
    rates no longer name it)."""
    locale = current_locale()
    process = pricing.processes.get(quote.process)
    material = process.materials.get(quote.material) if process else None
    finish = process.finishes.get(quote.finish) if process else None
    tolerance = pricing.tolerances.get(quote.tolerance)
    return {
        "process": process.name[locale] if process else quote.process,
        "material": material.name[locale] if material else quote.material,
        "finish": finish.name[locale] if finish else quote.finish,
        "tolerance": tolerance.name[locale] if tolerance else quote.tolerance,
    }


def _status(value: str | None) -> QuoteStatus | None:
    try:
        return QuoteStatus(value) if value else None
    except ValueError:
        return None


# -- routes ------------------------------------------------------------------------------------


@require_staff(Role.QUOTING)
async def quotes(request: Request, staff: StaffMember) -> Response:
    status = _status(request.query_params.get("status"))
    found = await services.list_quotes(
        session=request_session(request),
        status=status,
        page=page_number(request),
    )
    pricing = app_state(request).pricing
    context = {
        "staff": staff,
        "found": found,
        "status": status.value if status else "",
        "statuses": STATUS_NAMES,
        "choices": {item.quote.id: _choice(pricing, item.quote) for item in found.items},
    }
    return render(request, "staff/quotes/list.html", context)


async def _found(request: Request) -> QuoteRequest:
    try:
        return await services.find_quote(
            session=request_session(request), reference=request.path_params["reference"]
        )
    except services.QuoteNotFound:
        raise HTTPException(404) from None


def _answer_form(quote: QuoteRequest) -> QuoteAnswerForm:
    return QuoteAnswerForm(
        data={
            "status": quote.status,
            "price": f"{quote.price:.2f}" if quote.price is not None else "",
            "lead_days": str(quote.lead_days) if quote.lead_days is not None else "",
            "message": quote.staff_message,
        }
    )


@require_staff(Role.QUOTING)
async def quote_detail(request: Request, staff: StaffMember) -> Response:
    quote = await _found(request)
    db = request_session(request)
    saved = False
    if request.method == "GET":
        form = _answer_form(quote)
        saved = request.query_params.get("saved") == "1"
    else:
        form = QuoteAnswerForm.from_form(await read_form(request))
        if form.validate():
            await services.answer_quote(
                session=db,
                mailer=app_state(request).mailer,
                quote=quote,
                staff=staff,
                price=form.price_value,
                lead_days=form.days_value,
                message=form.message_value,
                status=form.status_value,
                ip_address=client_of(request)[1],
            )
            target = url_path("staff_quote", reference=quote.reference) + "?saved=1"
            return RedirectResponse(target, status_code=303)
    customer = await services.customer_of(session=db, quote=quote)
    company = await db.scalar(
        select(col(CorporateInvoice.company_name))
        .where(col(CorporateInvoice.user_id) == customer.id)
        .order_by(col(CorporateInvoice.id))
        .limit(1)
    )
    drawings = await services.quote_drawings(session=db, quote=quote)
    context = {
        "staff": staff,
        "quote": quote,
        "customer": customer,
        "company": company or "",
        "choice": _choice(app_state(request).pricing, quote),
        "status_name": STATUS_NAMES.get(quote.status, quote.status),
        "estimate_note": NO_ESTIMATE.get(quote.estimate_note, quote.estimate_note),
        "drawings": [_drawing_view(d) for d in drawings],
        "form": form,
        "saved": saved,
    }
    status_code = 200 if request.method == "GET" else rejected_status(request)
    return render(request, "staff/quotes/detail.html", context, status_code=status_code)


def content_disposition(filename: str) -> str:
    """``attachment`` with the customer's file name (RFC 6266): ``filename*`` in UTF-8 for
    browsers, and an ASCII stand-in (other characters, quotes and backslashes as ``_``)."""
    fallback = (
        "".join(ch if " " <= ch < "\x7f" and ch not in '"\\;' else "_" for ch in filename).strip()
        or "drawing"
    )
    encoded = percent_encode(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


@require_staff(Role.QUOTING)
async def quote_drawing(request: Request, staff: StaffMember) -> Response:
    quote = await _found(request)
    db = request_session(request)
    try:
        drawing = await services.quote_drawing(
            session=db, quote=quote, drawing_id=request.path_params["drawing_id"]
        )
    except services.QuoteNotFound:
        raise HTTPException(404) from None
    state = app_state(request)
    try:
        chunks = await decrypted(
            data_keys=state.data_keys, storage=state.drawing_storage, drawing=drawing
        )
    except (DrawingNotFound, DecryptionError):  # the object, or the customer's key, is gone
        raise HTTPException(404) from None
    await services.record_download(
        session=db, staff=staff, drawing=drawing, ip_address=client_of(request)[1]
    )
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(drawing.filename),
            "Content-Length": str(drawing.size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


routes = [
    Route("/staff/quotes", quotes, methods=["GET"], name="staff_quotes"),
    Route(
        "/staff/quotes/{reference:str}",
        quote_detail,
        methods=["GET", "POST"],
        name="staff_quote",
    ),
    Route(
        "/staff/quotes/{reference:str}/drawings/{drawing_id:str}",
        quote_drawing,
        methods=["GET"],
        name="staff_quote_drawing",
    ),
]
