"""Quote requests and drawings as the pages show them, in the reader's language.

The staff console shows the same facts (``portal.quotes.staff``), so the wording of a status,
a part's size or a missing volume is made once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal

from portal import i18n
from portal.drawings.formats import Format
from portal.drawings.models import Drawing, DrawingStatus
from portal.i18n import lazy_gettext as _l
from portal.i18n import pgettext
from portal.quotes.labels import STATUS_NAMES, UNIT_NAMES
from portal.quotes.messages import reading_problem
from portal.quotes.models import QuoteRequest
from portal.quotes.rates import Pricing

FORMAT_NAMES = {
    Format.STEP: "STEP",
    Format.IGES: "IGES",
    Format.STL_ASCII: "STL",
    Format.STL_BINARY: "STL",
    Format.THREE_MF: "3MF",
    Format.OBJ: "OBJ",
    Format.DXF: "DXF",
    Format.DWG: "DWG",
    Format.PARASOLID: "Parasolid",
    Format.SLDPRT: "SolidWorks",
    Format.PDF: "PDF",
    Format.ZIP: "ZIP",
}

NO_ESTIMATE = {
    "pending": _l("Your drawings are being read; the estimate follows in a moment."),
    "manual_process": _l("This process is quoted by our engineers: no instant estimate."),
    "no_geometry": _l(
        "A drawing has no 3D model we can measure (PDF, DWG, DXF and similar), so our engineers "
        "quote it by hand."
    ),
    "no_volume": _l(
        "A mesh is not closed, so its volume is unknown; our engineers quote it by hand."
    ),
    "not_offered": _l("Our engineers will check this combination and quote it by hand."),
}


def _name(names: Any, key: str) -> str:
    if names is None:
        return key
    language = i18n.current_language().locale
    return str(names.get(language) or names.get("en") or key)


def money(amount: Decimal | int) -> str:
    """Yuan in the reader's format; whole yuan (the estimate's ends) without the fen."""
    if isinstance(amount, int):
        return format_currency(
            amount, "CNY", format="¤#,##0", currency_digits=False, locale=i18n.current_locale()
        )
    return format_currency(amount, "CNY", locale=i18n.current_locale())


def _number(value: float, digits: int = 1) -> str:
    return format_decimal(round(value, digits), locale=i18n.current_locale())


@dataclass(frozen=True)
class QuoteView:
    reference: str
    status: str
    status_name: str
    process: str
    material: str
    finish: str
    tolerance: str
    quantity: int
    required_date: date | None
    notes: str
    created_at: datetime
    updated_at: datetime
    estimate: str | None  # "¥1,200.00 – ¥1,620.00"
    estimate_days: int | None
    no_estimate: str | None
    price: str | None
    lead_days: int | None
    staff_message: str
    restricted_until: date | None = None  # an order the customer deleted, kept until then


def quote_view(quote: QuoteRequest, pricing: Pricing) -> QuoteView:
    process = pricing.processes.get(quote.process)
    material = process.materials.get(quote.material) if process else None
    finish = process.finishes.get(quote.finish) if process else None
    tolerance = pricing.tolerances.get(quote.tolerance)
    estimate = None
    if quote.estimate_low is not None and quote.estimate_high is not None:
        estimate = pgettext(
            "price range",
            "%(low)s – %(high)s",
            low=money(quote.estimate_low),
            high=money(quote.estimate_high),
        )
    note = NO_ESTIMATE.get(quote.estimate_note)
    return QuoteView(
        reference=quote.reference,
        status=quote.status,
        status_name=str(STATUS_NAMES.get(quote.status, quote.status)),
        process=_name(process.name if process else None, quote.process),
        material=_name(material.name if material else None, quote.material),
        finish=_name(finish.name if finish else None, quote.finish),
        tolerance=_name(tolerance.name if tolerance else None, quote.tolerance),
        quantity=quote.quantity,
        required_date=quote.required_date,
        notes=quote.notes,
        created_at=quote.created_at,
        updated_at=quote.updated_at,
        estimate=estimate,
        estimate_days=quote.estimate_days,
        no_estimate=str(note) if note is not None and estimate is None else None,
        price=money(quote.price) if quote.price is not None else None,
        lead_days=quote.lead_days,
        staff_message=quote.staff_message,
        restricted_until=quote.restricted_until if quote.restricted else None,
    )


@dataclass(frozen=True)
class PartView:
    name: str | None
    format: str
    size: str | None  # "120 × 80 × 25 mm"
    volume: str | None  # "85.3 cm³", or why there is none
    area: str | None
    units: str | None
    problem: str | None


@dataclass(frozen=True)
class DrawingView:
    id: str
    filename: str
    size: str
    format: str | None
    state: str  # reading, read, unreadable
    state_name: str
    problem: str | None
    parts: tuple[PartView, ...]


def _part_view(part: dict[str, Any]) -> PartView:
    geometry = part.get("geometry")
    try:
        fmt = FORMAT_NAMES[Format(str(part.get("format")))]
    except ValueError:
        fmt = str(part.get("format"))
    if not isinstance(geometry, dict):
        problem = part.get("error")
        return PartView(
            name=part.get("name"),
            format=fmt,
            size=None,
            volume=None,
            area=None,
            units=None,
            problem=reading_problem(str(problem)) if problem else None,
        )
    x, y, z = geometry.get("size_mm") or (0.0, 0.0, 0.0)
    volume = geometry.get("volume_mm3")
    units = geometry.get("declared_units")
    return PartView(
        name=part.get("name"),
        format=fmt,
        size=i18n.gettext("%(x)s × %(y)s × %(z)s mm", x=_number(x), y=_number(y), z=_number(z)),
        volume=(
            i18n.gettext("%(volume)s cm³", volume=_number(volume / 1000, 2))
            if volume is not None
            else i18n.gettext("unknown: the mesh is not closed")
        ),
        area=i18n.gettext("%(area)s cm²", area=_number(geometry.get("area_mm2", 0) / 100, 1)),
        units=", ".join(str(UNIT_NAMES.get(u.strip(), u.strip())) for u in units.split(","))
        if units
        else None,
        problem=None,
    )


_STATE_NAMES = {
    DrawingStatus.STORED: _l("Waiting to be read"),
    DrawingStatus.READING: _l("Being read"),
    DrawingStatus.READ: _l("Read"),
    DrawingStatus.UNREADABLE: _l("Could not be measured"),
}


def drawing_view(drawing: Drawing) -> DrawingView:
    status = DrawingStatus(drawing.status)
    fmt = None
    if drawing.format:
        try:
            fmt = FORMAT_NAMES[Format(drawing.format)]
        except ValueError:
            fmt = drawing.format
    parts = tuple(_part_view(p) for p in (drawing.parts or []) if isinstance(p, dict))
    return DrawingView(
        id=str(drawing.id),
        filename=drawing.filename,
        size=i18n.format_size(drawing.size),
        format=fmt,
        state=status.value,
        state_name=str(_STATE_NAMES[status]),
        problem=reading_problem(drawing.error_code) if status is DrawingStatus.UNREADABLE else None,
        parts=parts,
    )
