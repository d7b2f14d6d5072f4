"""One-line text boxes hold one line of visible text: no line breaks into our mails, no control
or invisible characters, no towers of accents (portal.forms.text), on every form of the site."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from wtforms import Form, StringField, TextAreaField
from wtforms.fields import HiddenField, PasswordField
from wtforms.fields.core import UnboundField

import portal
from portal import i18n
from portal.accounts.models import User
from portal.db import create_engine, session_factory
from portal.forms.text import MAX_MARKS, MESSAGES, MultiLine, SingleLine, problem
from tests.support.forms import post_form

INJECTION = "Bob\r\nBcc: victim@example.com\r\n\r\nURGENT: go to https://evil.example"

ATTACKS = {
    "header injection": (INJECTION, "line_break"),
    "a lone line feed": ("Bob\nSmith", "line_break"),
    "escape": ("Bob\x1b[31mSmith", "invisible"),
    "bell": ("Bob\x07", "invisible"),
    "tab": ("Bob\tSmith", "invisible"),
    "delete": ("Bob\x7f", "invisible"),
    "right-to-left override": ("Bob\u202egpj.exe", "invisible"),
    "only zero-width spaces": ("\u200b\u200b\u200b", "invisible"),
    "a zero-width space inside": ("Bo\u200bb", "invisible"),
    "byte order mark": ("\ufeffBob", "invisible"),
    "line separator": ("Bob\u2028Smith", "line_break"),
    "paragraph separator": ("Bob\u2029Smith", "line_break"),
    "99 stacked combining marks": ("Z" + "\u0301" * 99 + "algo", "marks"),
    "a joiner alone": ("\u200d", "invisible"),
    "a joiner at the end": ("Bob\u200d", "invisible"),
    "only marks": ("\u0301\u0302", "blank"),
    "only Hangul fillers": ("\u3164\u3164", "blank"),
    "braille blank": ("\u2800", "blank"),
}

NAMES = [
    "李伟",
    "欧阳·娜娜",
    "O'Neil & Co <R&D>",
    "Zoë Saldaña",
    unicodedata.normalize("NFD", "Nguyễn Thị Ngọc Ánh"),  # two marks on one letter
    "👨\u200d👩\u200d👧",  # a family: three emoji joined by U+200D
    "🏳\ufe0f\u200d🌈",  # a variation selector before the joiner
    "❤\ufe0f Team",
    "👋🏽",  # a skin tone modifier
    "क्षत्रिय",  # Devanagari, marks after consonants
    "محمد",
    "Jean-Luc Picard",
    "a" + "\u0301" * MAX_MARKS,
]


@pytest.mark.parametrize(("value", "rule"), ATTACKS.values(), ids=ATTACKS.keys())
def test_each_attack_is_refused_by_its_rule(value: str, rule: str) -> None:
    assert problem(value) == rule


@pytest.mark.parametrize("value", NAMES)
def test_real_names_emoji_and_accents_are_accepted(value: str) -> None:
    assert problem(value) is None


def test_a_new_password_keeps_every_printable_character_but_no_line_break() -> None:
    assert problem("\u200bsecret\u202e 密码 🔑" + "\u0301" * 9, password=True) is None
    assert problem("   ", password=True) is None
    assert problem("secret\r\nline", password=True) == "line_break"
    assert problem("secret\x1b", password=True) == "invisible"


# --- the property: what is accepted is visible single-line text, and nothing visible is lost ---

_REFUSED_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")
visible_text = st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40
).filter(lambda text: any(unicodedata.category(ch)[0] in "LNPS" for ch in text))


@given(st.text(max_size=40))
def test_whatever_is_accepted_is_one_visible_line(value: str) -> None:
    if problem(value) is not None or not value:
        return
    assert not any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value)
    assert all(
        ch == "\u200d" for ch in value if unicodedata.category(ch) == "Cf"
    )  # the joiner only
    assert any(unicodedata.category(ch)[0] not in "ZCM" for ch in value)
    run = 0
    for ch in value:
        run = run + 1 if unicodedata.category(ch)[0] == "M" else 0
        assert run <= MAX_MARKS


@given(
    visible_text,
    st.characters(categories=("Cc", "Cf", "Zl", "Zp")).filter(lambda ch: ch != "\u200d"),
    st.integers(min_value=0),
)
def test_one_control_or_format_character_anywhere_is_refused(
    text: str, bad: str, position: int
) -> None:
    assert problem(text) is None  # letters, digits, punctuation, symbols and spaces pass
    at = position % (len(text) + 1)
    assert problem(text[:at] + bad + text[at:]) is not None


# --- every text field of every form carries the validator ---

# Passwords typed to be compared with a hash, never stored or shown: whatever was set before
# must still be accepted (portal.forms.text explains). Hidden fields are not typed by a person;
# each is checked by its own signature.
EXEMPT = {
    ("LoginForm", "password"),
    ("PasswordForm", "current_password"),
    ("DeregistrationForm", "password"),
    ("LoginEmailForm", "current_password"),
    ("MobileForm", "current_password"),
    ("StaffLoginForm", "password"),
    ("StaffPasswordForm", "current_password"),
}


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        # Alembic's env.py runs on import, and __main__ starts the server: neither has forms.
        if not module.name.startswith("portal.migrations") and module.name != "portal.__main__":
            importlib.import_module(module.name)
    found: list[type[Form]] = []
    pending = list(Form.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith("portal.")]


def _text_fields(cls: type[Form]) -> list[tuple[str, UnboundField]]:
    fields = []
    for name in dir(cls):
        unbound = getattr(cls, name, None)
        if (
            isinstance(unbound, UnboundField)
            and issubclass(unbound.field_class, StringField)
            and not issubclass(unbound.field_class, HiddenField)
        ):
            fields.append((name, unbound))
    return fields


def test_every_single_line_text_field_of_every_form_is_checked() -> None:
    forms = _form_classes()
    assert {"RegistrationForm", "ShippingAddressForm", "CorporateInvoiceForm"} <= {
        cls.__name__ for cls in forms
    }
    missing = []
    checked = 0
    for cls in forms:
        for name, unbound in _text_fields(cls):
            if (cls.__name__, name) in EXEMPT:
                continue
            validators = unbound.kwargs.get("validators") or []
            if issubclass(unbound.field_class, TextAreaField):
                # A box of several lines keeps its line breaks, and refuses the rest alike.
                if sum(isinstance(v, MultiLine) for v in validators) != 1:
                    missing.append(f"{cls.__module__}.{cls.__name__}.{name}")
                checked += 1
                continue
            single = [v for v in validators if isinstance(v, SingleLine)]
            password = issubclass(unbound.field_class, PasswordField)
            if len(single) != 1 or single[0].password is not password:
                missing.append(f"{cls.__module__}.{cls.__name__}.{name}")
            checked += 1
    assert not missing, f"text fields without SingleLine() (or MultiLine()): {missing}"
    assert checked >= 20


# --- through a form: the error is beside the field, in the reader's language, nothing saved ---

REGISTRATION = {
    "email": "li.wei@example.cn",
    "phone": "138 1234 5678",
    "customer_type": "business",
    "password": "milling-spindle-42",
    "policy_consent": "y",
    "legal_capacity": "y",
}


def _users(settings) -> list[User]:
    async def fetch() -> list[User]:
        engine = create_engine(settings.database_url)
        async with session_factory(engine)() as session:
            result = list((await session.execute(select(User))).scalars())
        await engine.dispose()
        return result

    return asyncio.run(fetch())


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize(
    ("name", "rule"),
    [
        (INJECTION, "line_break"),
        ("\u200b\u200b", "invisible"),
        ("Bob\u202eSmith", "invisible"),
        ("Z" + "\u0301" * 99, "marks"),
    ],
    ids=["injection", "zero-width", "rtl-override", "marks"],
)
def test_registration_refuses_the_name_beside_the_field(
    client, settings, database_url, language: str, name: str, rule: str
) -> None:
    client.cookies.set("portal_language", language)
    response = post_form(client, "/register", {**REGISTRATION, "name": name}, page="/register")
    assert response.status_code == 400
    with i18n.use_locale(language):
        expected = str(MESSAGES[rule])
    if language == "zh_Hans":
        assert expected != str(MESSAGES[rule])  # translated
    assert f'id="name-error">{expected}<' in response.text
    assert 'value="li.wei@example.cn"' in response.text  # the rest is kept as typed
    assert _users(settings) == []


# --- several lines (a message to a customer): line breaks and tabs stay, the rest as above ---


class _Message(Form):
    message = TextAreaField(validators=[MultiLine()])


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("第一行\r\n第二行", "第一行\n第二行"),
        ("Dear Li,\r\n\r\n\tPrice includes tooling.", "Dear Li,\n\n\tPrice includes tooling."),
        ("one\rtwo", "one\ntwo"),
        ("line\n   \nafter a line of spaces", "line\n   \nafter a line of spaces"),
    ],
)
def test_several_lines_keep_their_breaks_and_tabs(value: str, kept: str) -> None:
    form = _Message(data={"message": value})
    assert form.validate(), form.errors
    assert form.message.data == kept


@pytest.mark.parametrize(
    "value", ["Bob\x1b[31m", "a\u2028b", "a\x0bb", "x\u202egpj.exe", "\n \n\t", "Z" + "\u0301" * 9]
)
def test_several_lines_refuse_control_and_invisible_characters(value: str) -> None:
    with i18n.use_locale("en"):
        form = _Message(data={"message": value})
        assert not form.validate()
