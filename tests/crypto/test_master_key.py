"""The master key setting: required in production, generated once in development."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from portal.settings import Settings, SettingsError
from tests.support.crypto import (
    mode,
)

STRONG_SECRET = "k" * 32


def environ(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PORTAL_VAR_DIR": str(tmp_path / "var"), "PORTAL_SECRET_KEY": STRONG_SECRET, **values}


def test_production_without_a_master_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTAL_MASTER_KEY is not set") as error:
        Settings.from_env(environ(tmp_path, PORTAL_ENV="production"))
    assert "secrets.token_urlsafe(32)" in str(error.value)  # says how to make one
    assert not (tmp_path / "var" / "master_key").exists()  # and never invents one


def test_production_reads_the_master_key_and_the_key_store_folder(tmp_path: Path) -> None:
    key = bytes(range(100, 132))
    settings = Settings.from_env(
        environ(
            tmp_path,
            PORTAL_ENV="production",
            PORTAL_MASTER_KEY=base64.urlsafe_b64encode(key).decode().rstrip("="),
            PORTAL_KEYSTORE_DIR=str(tmp_path / "kms"),
        )
    )
    assert settings.master_key == key
    assert settings.keystore_dir == tmp_path / "kms"
    assert key not in repr(settings).encode()
    assert "master_key" not in repr(settings)


@pytest.mark.parametrize(
    "value", ["too-short", "!" * 43, base64.urlsafe_b64encode(bytes(31)).decode()]
)
def test_a_malformed_master_key_is_a_clear_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match="PORTAL_MASTER_KEY must hold 32 bytes"):
        Settings.from_env(environ(tmp_path, PORTAL_MASTER_KEY=value))


def test_development_generates_a_master_key_once_and_reuses_it(tmp_path: Path) -> None:
    first = Settings.from_env(environ(tmp_path))
    key_file = tmp_path / "var" / "master_key"
    assert len(first.master_key) == 32
    assert mode(key_file) == 0o600  # readable by the portal's user only
    assert sorted(path.name for path in key_file.parent.iterdir()) == ["master_key"]  # no drafts
    assert first.keystore_dir == tmp_path / "var" / "keys"

    assert Settings.from_env(environ(tmp_path)).master_key == first.master_key
    assert Settings.from_env(environ(tmp_path / "other")).master_key != first.master_key


def test_build_tools_need_no_master_key(tmp_path: Path) -> None:
    settings = Settings.from_env({"PORTAL_ENV": "production"}, require_secret=False)
    assert settings.master_key == b""
