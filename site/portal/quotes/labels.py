"""What staff (and, later, customers) read for the quote requests' stored codes: statuses, why
there is no estimate, how far a drawing's reading got, the units a file declares."""

from __future__ import annotations

from portal.i18n import LazyString
from portal.i18n import lazy_gettext as _l
from portal.quotes.models import QuoteStatus

STATUS_NAMES: dict[str, LazyString] = {
    QuoteStatus.SUBMITTED.value: _l("Submitted"),
    QuoteStatus.IN_REVIEW.value: _l("In review"),
    QuoteStatus.QUOTED.value: _l("Quoted"),
    QuoteStatus.ORDERED.value: _l("Ordered"),
    QuoteStatus.CLOSED.value: _l("Closed"),
    QuoteStatus.CANCELLED.value: _l("Cancelled"),
}

#: Why a request has no instant estimate (``QuoteRequest.estimate_note``).
NO_ESTIMATE: dict[str, LazyString] = {
    "pending": _l("Its drawings are still being read."),
    "manual_process": _l("This process is always quoted by hand."),
    "no_geometry": _l("A drawing has no 3D geometry the site could measure."),
    "no_volume": _l("A mesh is not closed, so its volume is unknown."),
    "not_offered": _l("The process does not offer this material, finish or tolerance."),
}

#: Where a drawing's reading is (``Drawing.status``).
DRAWING_STATES: dict[str, LazyString] = {
    "stored": _l("Waiting to be read"),
    "reading": _l("Being read"),
    "read": _l("Read"),
    "unreadable": _l("Could not be read: quote it by hand"),
}

#: The length units a file may declare (``geometry.declared_units``).
UNIT_NAMES: dict[str, LazyString] = {
    "millimeter": _l("millimetres"),
    "centimeter": _l("centimetres"),
    "meter": _l("metres"),
    "micron": _l("micrometres"),
    "inch": _l("inches"),
    "foot": _l("feet"),
}
