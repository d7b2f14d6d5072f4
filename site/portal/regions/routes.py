"""``GET /regions/cities``: the city field of the province picker, for htmx to swap in.

``templates/forms/_regions.html`` rendered with a form holding just the province; the page's own
form keeps everything else. A missing or unknown province gets the empty list (the placeholder
"Choose a province first") with status 200, so htmx swaps it and the old cities disappear.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.forms import PortalForm
from portal.forms.regions import RegionMixin
from portal.web.state import render


class _PickerForm(RegionMixin, PortalForm):
    pass


async def city_field(request: Request) -> Response:
    """The city ``<select>`` (with its label) of the province in ``?province=<code>``."""
    code = request.query_params.get("province", "").strip()
    form = _PickerForm(data={"province": code or None})
    return render(
        request,
        "forms/_regions.html",
        {"form": form},
        # The list changes only with a data release; the language is in Vary already.
        headers={"Cache-Control": "private, max-age=3600"},
    )


routes = [Route("/regions/cities", city_field, methods=["GET"], name="region_cities")]
