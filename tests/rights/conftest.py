"""The privacy console's tests share a signed-in privacy officer."""

from __future__ import annotations

import pytest

from portal.staff.models import Role
from tests.support.staff import staff_client


@pytest.fixture
def officer(app, settings):
    """A test client signed in to the console as a privacy officer."""
    client = staff_client(app, settings, Role.PRIVACY_OFFICER, "privacy@xometry.asia")
    yield client
    client.__exit__(None, None, None)
