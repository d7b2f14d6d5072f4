"""Random input to forms (Hypothesis): what is drawn, and how it is posted.

Each area's test names its forms and the real values worth drawing (so that examples reach the
code behind validation, not only the error messages); the rest is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

F = TypeVar("F", bound=Callable[..., Any])

#: Values that broke forms somewhere: empty, blank, NUL (PostgreSQL's text cannot hold it), and
#: the last code point before the surrogates next to the replacement character.
ODD = ["", " ", "\x00", "\ud7ff\ufffd"]


def values(*real: str) -> st.SearchStrategy[str]:
    """Short and long random text, the ``real`` values and the odd ones."""
    return st.one_of(
        st.text(max_size=40),
        st.text(min_size=300, max_size=3000),
        st.sampled_from([*real, *ODD]),
    )


def form_data(
    fields: list[str], drawn: st.SearchStrategy[str], *, max_size: int
) -> st.SearchStrategy[dict[str, Any]]:
    """Keys mostly the form's own (and ``csrf_token``, ``next``), values single or repeated."""
    keys = st.one_of(st.sampled_from([*fields, "csrf_token", "next"]), st.text(max_size=20))
    return st.dictionaries(keys, st.one_of(drawn, st.lists(drawn, max_size=3)), max_size=max_size)


def file_fields(fields: list[str]) -> st.SearchStrategy[list[str]]:
    """Fields sent as file parts where text belongs (no form of the site takes a file)."""
    return st.lists(st.sampled_from([*fields, "csrf_token"]), max_size=3, unique=True)


def examples(count: int) -> Callable[[F], F]:
    """Hypothesis settings for a form: ``count`` examples, no deadline (a request is slow)."""
    return hypothesis_settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def post_random(
    client: TestClient,
    url: str,
    payload: Mapping[str, Any],
    *,
    htmx: bool,
    files: list[str],
) -> Any:
    """POST ``payload`` (``files`` as file parts) as a plain form or as htmx; no redirects."""
    headers = {"HX-Request": "true"} if htmx else {}
    parts = {name: (f"{name}.txt", b"\x00\xff not text") for name in files}
    return client.post(
        url, data=dict(payload), files=parts or None, headers=headers, follow_redirects=False
    )
