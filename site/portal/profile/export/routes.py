"""``/account/privacy/my-data/copy``: a copy of one's personal information, at once (policy 5.1).

GET (and HEAD) shows what the copy holds and its button; it changes nothing. POST (with the
CSRF token) records the copy in the user's audit trail and answers the ZIP as a download,
streamed (``archive.py``), never cached. Under ``/account/privacy``, like "What we hold on you",
so the consent gate of a material policy change never keeps a user from their own data.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from portal import i18n
from portal.accounts.models import User
from portal.db import request_session
from portal.privacy.services import CONTACT_EMAIL
from portal.profile.export import documents
from portal.profile.export.archive import CopyArchive
from portal.profile.export.services import COPIED, take_copy
from portal.profile.my_data.services import site_inventory
from portal.web import require_user
from portal.web.csrf import read_form
from portal.web.state import app_state, render

URL = "/account/privacy/my-data/copy"


@require_user
async def personal_data_copy(request: Request, user: User) -> Response:
    """GET: the page with the button. POST: the ZIP (see this module)."""
    if request.method != "POST":
        return render(
            request,
            "profile/export/page.html",
            {"contact_email": CONTACT_EMAIL},
            headers={"Cache-Control": "no-store"},
        )
    await read_form(request)
    return await copy_download(request, user)


async def copy_download(request: Request, user: User, *, action: str = COPIED) -> Response:
    """Take a copy of everything ``user``'s account holds (recorded as ``action``) and answer
    it as a ZIP download, streamed, never cached: the customer's own copy, or the one a
    receiving processor downloads with a transfer link (``portal.rights.transfer_routes``)."""
    state = app_state(request)
    copy = await take_copy(
        session=request_session(request),
        user=user,
        data_keys=state.data_keys,
        storage=state.drawing_storage,
        locale=user.preferred_language if action != COPIED else i18n.current_locale(),
        inventory=site_inventory(state.settings.content_dir),
        pricing=state.pricing,
        action=action,
    )
    with i18n.use_locale(copy.data.locale):
        files = {
            documents.INDEX: documents.index_html(state.templates.env, copy),
            documents.DATA: documents.data_json(copy),
            documents.SCHEMA: documents.schema_json(),
            **{
                documents.csv_path(section): documents.scenario_csv(section)
                for section in copy.data.sections
            },
        }
    archive = await CopyArchive.create(
        copy, files, data_keys=state.data_keys, storage=state.drawing_storage
    )
    name = documents.archive_name(copy.taken_at)
    return StreamingResponse(
        archive.stream(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(len(archive)),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


routes = [
    Route(URL, personal_data_copy, methods=["GET", "POST"], name="personal_data_copy"),
]
