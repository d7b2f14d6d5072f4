"""Random input to the quote request never causes a server error, and a refused one stores
nothing: Hypothesis sends random fields, values and files (random bytes under drawing names,
truncated drawings, names with paths and control characters), as a plain form and as htmx."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.support.accounts import register
from tests.support.drawings import binary_stl, sample
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import csrf_token
from tests.support.quotes import CHOICE, drawings_in, quotes_in, verify
from tests.support.random_input import examples, values

STEP = sample("base_interface_AP214.STEP")
FIELDS = [*CHOICE, "drawing", "csrf_token"]
NAMES = st.one_of(
    st.sampled_from(["part.step", "part.STL", "a.zip", "x.3mf", "../etc/passwd", "C:\\a.step"]),
    st.text(max_size=30),
    st.text(alphabet=string.printable, max_size=300),
)
CONTENTS = st.one_of(
    st.binary(max_size=3000),
    st.integers(min_value=0, max_value=len(STEP)).map(lambda n: STEP[:n]),
    st.integers(min_value=0, max_value=2000).map(lambda n: binary_stl(3)[:n]),
    st.just(binary_stl(3)),
)
VALUES = values(*CHOICE.values(), "3d_printing", "pa12_sls", "2027-02-30", "-1", "1e9", "１０")


@examples(40)
@given(
    fields=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=9),
    files=st.lists(st.tuples(NAMES, CONTENTS), max_size=3),
    htmx=st.booleans(),
)
def _random_requests(client, token, settings, fields, files, htmx) -> None:
    before_quotes = len(quotes_in(settings))
    before = {d.id for d in drawings_in(settings)}
    payload = {"csrf_token": token, **fields}
    headers = {"HX-Request": "true", "X-CSRF-Token": token} if htmx else {}
    parts = [("drawings", (name, content, "application/octet-stream")) for name, content in files]
    response = client.post(
        "/quotes/new",
        data=payload,
        files=parts or [("drawings", ("", b"", "application/octet-stream"))],
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code < 500, response.text[:500]
    if response.status_code in (400, 403, 413, 422):
        assert len(quotes_in(settings)) == before_quotes
        added = {d.id for d in drawings_in(settings)} - before
        # What was kept for the next try is listed on the page sent back, nothing else.
        for drawing_id in added:
            assert str(drawing_id) in response.text


def test_random_quote_requests_never_cause_a_server_error(app, settings) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        assert register(client).status_code == 303
        verify(settings)
        token = csrf_token(client.get("/quotes/new"))
        _random_requests(client, token, settings)
