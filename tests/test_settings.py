"""Settings: read once from PORTAL_* variables, with clear errors, and documented."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from portal.settings import ROOT, Settings, SettingsError

STRONG_KEY = "k" * 32


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PORTAL_VAR_DIR": str(tmp_path / "var"), **values}


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTAL_SECRET_KEY is not set") as error:
        Settings.from_env(env(tmp_path, PORTAL_ENV="production"))
    assert "secrets.token_urlsafe" in str(error.value)  # says how to make one
    assert not (tmp_path / "var" / "secret_key").exists()  # and never invents one


def test_production_with_a_secret_key_uses_it(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(
            tmp_path,
            PORTAL_ENV="production",
            PORTAL_SECRET_KEY=f"  {STRONG_KEY}\n",
            PORTAL_MASTER_KEY="m" * 43,  # production needs both (tests/crypto/test_master_key.py)
        )
    )
    assert settings.production
    assert settings.secret_key == STRONG_KEY


def test_development_generates_a_key_once_into_var_and_reuses_it(tmp_path: Path) -> None:
    first = Settings.from_env(env(tmp_path))
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == first.secret_key
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # readable by the portal's user only

    second = Settings.from_env(env(tmp_path))
    assert second.secret_key == first.secret_key


def test_development_keys_differ_between_machines(tmp_path: Path) -> None:
    one = Settings.from_env(env(tmp_path / "one"))
    other = Settings.from_env(env(tmp_path / "other"))
    assert one.secret_key != other.secret_key


@pytest.mark.parametrize("environment", ["development", "production", "test"])
def test_short_secret_keys_are_rejected(tmp_path: Path, environment: str) -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        Settings.from_env(env(tmp_path, PORTAL_ENV=environment, PORTAL_SECRET_KEY="k" * 31))


def test_a_key_of_32_characters_is_enough(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY)).secret_key == STRONG_KEY


def test_unknown_environment_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTAL_ENV='staging' is not one of"):
        Settings.from_env(env(tmp_path, PORTAL_ENV="staging", PORTAL_SECRET_KEY=STRONG_KEY))


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("off", False)])
def test_debug_flag(tmp_path: Path, value: str, expected: bool) -> None:
    settings = Settings.from_env(env(tmp_path, PORTAL_DEBUG=value, PORTAL_SECRET_KEY=STRONG_KEY))
    assert settings.debug is expected


def test_malformed_boolean_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTAL_DEBUG='maybe' is not a boolean"):
        Settings.from_env(env(tmp_path, PORTAL_DEBUG="maybe", PORTAL_SECRET_KEY=STRONG_KEY))


def test_defaults_keep_everything_under_the_root_and_var(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY))
    assert settings.environment == "development"
    assert not settings.production
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'portal.sqlite3'}"
    assert settings.public_dir == ROOT / "site" / "public"
    assert settings.content_dir == ROOT / "content"


def test_paths_and_database_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(
            tmp_path,
            PORTAL_SECRET_KEY=STRONG_KEY,
            PORTAL_DATABASE_URL="postgresql+psycopg://portal@db/portal",
            PORTAL_PUBLIC_DIR=str(tmp_path / "public"),
            PORTAL_CONTENT_DIR=str(tmp_path / "content"),
        )
    )
    assert settings.database_url == "postgresql+psycopg://portal@db/portal"
    assert settings.public_dir == tmp_path / "public"
    assert settings.content_dir == tmp_path / "content"


def test_build_tools_need_no_secret(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, PORTAL_ENV="production"), require_secret=False)
    assert settings.secret_key == ""


def test_the_secret_key_never_appears_in_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY))
    assert STRONG_KEY not in repr(settings)


# -- documentation ---------------------------------------------------------------------------

VARIABLE_READ = re.compile(r"""["'](PORTAL_[A-Z0-9_]+)["']""")


def variables_read_by_the_portal() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "site" / "portal").rglob("*.py"):
        names |= set(VARIABLE_READ.findall(source.read_text(encoding="utf-8")))
    return names


def documented_variables() -> dict[str, list[str]]:
    """``docs/settings.md`` table rows: variable -> its other cells."""
    rows: dict[str, list[str]] = {}
    for line in (ROOT / "docs" / "settings.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and re.fullmatch(r"`[A-Z0-9_]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_setting_the_portal_reads_is_documented() -> None:
    read = variables_read_by_the_portal()
    assert {"PORTAL_ENV", "PORTAL_SECRET_KEY", "PORTAL_DATABASE_URL"} <= read  # the scan works
    missing = sorted(read - documented_variables().keys())
    assert not missing, f"add these to the table in docs/settings.md: {', '.join(missing)}"


def test_every_documented_setting_has_a_default_and_a_meaning() -> None:
    for name, cells in documented_variables().items():
        problem = f"docs/settings.md: {name} needs a default and a meaning"
        assert len(cells) == 2, problem
        assert all(cells), problem


def test_unverified_accounts_wait_seven_days_unless_told_otherwise(tmp_path: Path) -> None:
    assert (
        Settings.from_env(env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY)).unverified_account_days == 7
    )
    settings = Settings.from_env(
        env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY, PORTAL_UNVERIFIED_ACCOUNT_DAYS=" 14 ")
    )
    assert settings.unverified_account_days == 14


@pytest.mark.parametrize("value", ["0", "366", "-1", "seven", "²", "7.5"])
def test_unverified_account_days_must_be_a_number_of_days(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match=r"PORTAL_UNVERIFIED_ACCOUNT_DAYS=.* is not a number"):
        Settings.from_env(
            env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY, PORTAL_UNVERIFIED_ACCOUNT_DAYS=value)
        )


# -- where drawings are stored -----------------------------------------------------------------


def test_drawings_are_kept_in_a_folder_under_var_unless_told_otherwise(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY))
    assert settings.drawings_storage == "local"
    assert settings.drawings_dir == tmp_path / "var" / "drawings"
    moved = Settings.from_env(
        env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY, PORTAL_DRAWINGS_DIR=str(tmp_path / "cad"))
    )
    assert moved.drawings_dir == tmp_path / "cad"


def test_an_object_store_is_configured_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(
            tmp_path,
            PORTAL_SECRET_KEY=STRONG_KEY,
            PORTAL_DRAWINGS_STORAGE="s3",
            PORTAL_S3_ENDPOINT_URL="https://oss-cn-shanghai.aliyuncs.com/",
            PORTAL_S3_BUCKET="xometry-drawings",
            PORTAL_S3_REGION="cn-shanghai",
            PORTAL_S3_ACCESS_KEY_ID="AKIDEXAMPLE",
            PORTAL_S3_SECRET_ACCESS_KEY="s3-secret-not-in-repr",
        )
    )
    assert settings.drawings_storage == "s3"
    assert settings.s3_endpoint_url == "https://oss-cn-shanghai.aliyuncs.com"
    assert (settings.s3_bucket, settings.s3_region) == ("xometry-drawings", "cn-shanghai")
    assert settings.s3_prefix == "drawings/"
    assert settings.s3_addressing_style == "path"  # what S3-compatible stores understand
    assert "s3-secret-not-in-repr" not in repr(settings)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"PORTAL_DRAWINGS_STORAGE": "ftp"}, r"PORTAL_DRAWINGS_STORAGE='ftp' is not local or s3"),
        ({"PORTAL_DRAWINGS_STORAGE": "s3"}, r"PORTAL_S3_BUCKET is not set"),
        (
            {
                "PORTAL_DRAWINGS_STORAGE": "s3",
                "PORTAL_S3_BUCKET": "b",
                "PORTAL_S3_ENDPOINT_URL": "s3",
            },
            r"PORTAL_S3_ENDPOINT_URL='s3' must start with https:// or http://",
        ),
        (
            {"PORTAL_DRAWINGS_STORAGE": "s3", "PORTAL_S3_BUCKET": "b", "PORTAL_S3_PREFIX": "../x/"},
            r"PORTAL_S3_PREFIX='../x/' ",
        ),
        (
            {"PORTAL_S3_ADDRESSING_STYLE": "dns"},
            r"PORTAL_S3_ADDRESSING_STYLE='dns' is not auto, path or virtual",
        ),
    ],
)
def test_a_misconfigured_drawing_store_is_a_clear_error(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env(tmp_path, PORTAL_SECRET_KEY=STRONG_KEY, **values))
