"""A customer's account in the tests: valid registration data, registering, logging in."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.support.forms import post_form

GOOD = {
    "name": "李伟",
    "email": "Li.Wei@Example.cn",
    "phone": "138 1234 5678",
    "customer_type": "business",
    "password": "milling-spindle-42",
    "policy_consent": "y",
}


def register(client: TestClient, **changes: Any) -> Any:
    """Register through /register with ``GOOD``, changed by ``changes`` (``None`` leaves out)."""
    data = {**GOOD, **changes}
    return post_form(
        client, "/register", {k: v for k, v in data.items() if v is not None}, page="/register"
    )


def log_in(client: TestClient, email: str, password: str) -> Any:
    """Post the login form (the response is the 303 or the form again)."""
    return post_form(client, "/login", {"email": email, "password": password}, page="/login")
