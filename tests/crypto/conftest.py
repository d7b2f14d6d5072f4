"""The crypto tests' key store: a fresh folder per test, wrapped by the test master key."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.crypto import MASTER_KEY_ID, DataKeys
from portal.crypto.keystore import SQLiteKeyStore
from tests.support.site import TEST_MASTER_KEY


@pytest.fixture
def keystore_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def data_keys(keystore_dir: Path) -> DataKeys:
    return DataKeys(SQLiteKeyStore(keystore_dir), {MASTER_KEY_ID: TEST_MASTER_KEY})
