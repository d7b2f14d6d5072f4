"""Password rules and hashing: what users are told, and what operators rely on."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from portal import i18n
from portal.accounts import passwords
from portal.settings import ROOT


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("short", None, "Use at least 10 characters."),
        ("x" * 129, None, "Use at most 128 characters."),
        ("woaini1314", None, "This password is too common and easy to guess. Choose another."),
        ("Password123", None, "This password is too common and easy to guess. Choose another."),
        ("aaaaabbbbbaaaa", None, "This password is too common and easy to guess. Choose another."),
        # Full-width letters and digits (a Chinese input method's) are the same common password.
        (
            "Ｐａｓｓｗｏｒｄ１２３",
            None,
            "This password is too common and easy to guess. Choose another.",
        ),
        (
            "ＰＡＳＳＷＯＲＤ１２３",
            None,
            "This password is too common and easy to guess. Choose another.",
        ),
        (
            "ａａａａａｂｂｂｂｂａａａａ",
            None,
            "This password is too common and easy to guess. Choose another.",
        ),
        (
            "ｌｉ．ｗｅｉ＠ｅｘａｍｐｌｅ．ｃｎ",
            "li.wei@example.cn",
            "Your password must not be your email address.",
        ),
        ("li.wei@example.cn", "Li.Wei@example.cn", "Your password must not be your email address."),
        (
            "li.wei.factory",
            "li.wei.factory@example.cn",
            "Your password must not be your email address.",
        ),
        ("milling-spindle-42", "li.wei@example.cn", None),
    ],
)
def test_password_rules_explain_what_is_wrong(password, email, problem):
    found = passwords.password_problem(password, email=email)
    assert (str(found) if found else None) == problem


def test_password_rules_are_translated():
    i18n.configure(ROOT / "locales")
    with i18n.use_locale("zh_Hans"):
        assert str(passwords.password_problem("short")) == "密码至少需要 10 个字符。"


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    stored = passwords.hash_password("milling-spindle-42")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "milling-spindle-42") == (True, None)
    assert passwords.verify_password(stored, "milling-spindle-43") == (False, None)


def test_a_hash_made_with_older_parameters_is_replaced_at_login():
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("milling-spindle-42")
    ok, new_hash = passwords.verify_password(old, "milling-spindle-42")
    assert ok
    assert new_hash is not None
    assert passwords.HASHER.check_needs_rehash(new_hash) is False


@pytest.mark.parametrize("stored", [None, "", "not-a-hash"])
def test_missing_or_damaged_hashes_never_verify(stored):
    assert passwords.verify_password(stored, "anything at all") == (False, None)
