"""The copy of one's personal information in the tests: take it as the button does, open it, and
give a customer quote requests with drawings (stored as uploads store them) to find in it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from portal.accounts.models import User
from tests.support.forms import post_form
from tests.support.quotes import add_customer, add_drawing, add_quote, in_database

URL = "/account/privacy/my-data/copy"


def take_copy(client: TestClient) -> Any:
    """POST the button's form from the copy's own page: the response."""
    return post_form(client, URL, {}, page=URL)


def opened(response: Any) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text[:500]
    return zipfile.ZipFile(io.BytesIO(response.content))


def data_of(archive: zipfile.ZipFile) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(archive.read("data.json"))
    return data


def with_drawings(
    settings: Any,
    app: Any,
    email: str,
    drawings: Sequence[tuple[str | None, str, bytes]],
) -> User:
    """The customer ``email`` (made if missing) with each ``(quote reference or None, file
    name, content)`` stored as an upload stores it; a reference's request is made once."""

    async def work(session: Any) -> User:
        found = await session.execute(select(User).where(User.email_key == email.lower()))
        user = found.scalars().first() or await add_customer(session, email)
        quotes: dict[str, Any] = {}
        for reference, filename, content in drawings:
            if reference is not None and reference not in quotes:
                quotes[reference] = await add_quote(session, user, reference)
            quote = quotes[reference] if reference else _Unattached()
            await add_drawing(session, app, user, quote, content, filename=filename)
        return user

    result: User = in_database(settings, work)
    return result


class _Unattached:
    """Stands for "no request" where ``add_drawing`` takes one: the drawing's ``quote_id``
    becomes ``None``."""

    id = None
