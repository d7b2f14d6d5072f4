"""What a one-line text box may hold: :class:`SingleLine`, on every text field of every form.

A name or an address is printed in mails (the plain-text part too), on invoices and on pages.
A line break there lets a visitor write their own lines into our mails (``Bob\\r\\nBcc: …``);
control characters (ESC, BEL) reach terminals and logs; format characters hide or reorder text
(U+202E RIGHT-TO-LEFT OVERRIDE shows ``gpj.exe`` as ``exe.jpg``; a name of zero-width spaces
looks empty); a hundred combining marks on one letter draw over the lines around it. None of
these is anything a person types into a one-line box, so each is refused with a message beside
the field, and the value is kept as typed so the customer can correct it.

The rules, by Unicode general category:

- Cc (control: NUL, tab, CR, LF, ESC, BEL, DEL, C1), Zl and Zp (U+2028, U+2029): refused.
- Cf (format: zero-width space, bidirectional overrides and marks, soft hyphen, BOM, …):
  refused, except U+200D ZERO WIDTH JOINER between two visible characters, which joins emoji
  into one (👨‍👩‍👧) and shapes some scripts (Indic, Sinhala). Cs (lone surrogates, which
  UTF-8 cannot store) is refused too.
- Variation selectors (U+FE0E, U+FE0F, …) are Mn and stay: ``❤️`` is U+2764 U+FE0F.
- At most :data:`MAX_MARKS` combining marks (Mn, Mc, Me) in a row: Vietnamese stacks two on
  one letter, Indic scripts a few; more is the "Zalgo" effect.
- At least one visible character: not only spaces, marks or the letters that draw nothing
  (the Hangul fillers, U+2800 BRAILLE PATTERN BLANK), which are how "empty" names are made.

Passwords are one line too, but a new password keeps every printable character, invisible ones
included (a password is never shown, and refusing a character would only narrow the choice):
``SingleLine(password=True)`` refuses only Cc, Zl and Zp, which a password box cannot take
back (browsers drop line breaks from what is typed), so the password could never be typed again.
Existing passwords (logging in, the current password) are compared with a hash and never
stored or shown: they take no such check, so nothing set before can be locked out.
"""

from __future__ import annotations

import unicodedata

from wtforms import Form, ValidationError
from wtforms.fields import Field

from portal.forms.base import lazy_message as _l

MAX_MARKS = 4

ZERO_WIDTH_JOINER = "\u200d"

_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

# Letters and symbols that draw nothing: alone, they make a value that looks empty.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _is_visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] not in "ZCM" and ch not in _BLANK_LETTERS


def problem(value: str, *, password: bool = False) -> str | None:
    """Which rule ``value`` breaks (``"line_break"``, ``"invisible"``, ``"marks"``,
    ``"blank"``), or ``None``: the check behind :class:`SingleLine`, for use outside forms."""
    marks = 0
    for index, ch in enumerate(value):
        category = unicodedata.category(ch)
        if ch in _LINE_BREAKS:
            return "line_break"
        if category in ("Cc", "Zl", "Zp"):
            return "invisible"
        if password:
            continue
        if category == "Cs":
            return "invisible"
        if category == "Cf" and not (
            ch == ZERO_WIDTH_JOINER
            and 0 < index < len(value) - 1
            and _joins(value[index - 1])
            and _is_visible(value[index + 1])
        ):
            return "invisible"
        if category[0] == "M":
            marks += 1
            if marks > MAX_MARKS:
                return "marks"
        else:
            marks = 0
    if not password and value and not any(_is_visible(ch) for ch in value):
        return "blank"
    return None


def _joins(previous: str) -> bool:
    # An emoji may carry a variation selector or a skin tone before the joiner (🏳️‍🌈).
    return _is_visible(previous) or unicodedata.category(previous) in ("Mn", "Mc", "Sk")


MESSAGES = {
    "line_break": _l("Keep this on one line: line breaks are not allowed here."),
    "invisible": _l(
        "This contains an invisible or control character (such as a zero-width space or a "
        "text-direction mark). Please type it again rather than pasting it."
    ),
    "marks": _l("Too many accents are stacked on one letter. Please type it again."),
    "blank": _l("Enter at least one visible character."),
}


class SingleLine:
    """Refuses what does not belong in a one-line text box (see the module's docstring).

    Every text field of every form carries one: the field factories of
    :mod:`portal.forms.fields` attach it, and a test walks every form to make sure.
    """

    def __init__(self, *, password: bool = False) -> None:
        self.password = password

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data
        if not isinstance(value, str) or not value:
            return
        found = problem(value, password=self.password)
        if found is not None:
            raise ValidationError(MESSAGES[found])


class MultiLine:
    """:class:`SingleLine`'s rules for a box of several lines (a message to a customer).

    Line breaks (CR, LF, CR LF: the browser sends CR LF) and tabs are kept; every other control
    or format character is refused as in a single line, and so are stacked marks. Lines of only
    spaces are fine (they separate paragraphs); the whole must show at least one character.
    The field's data ends up with LF line breaks.
    """

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data
        if not isinstance(value, str) or not value:
            return
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        for line in value.split("\n"):
            found = problem(line.replace("\t", " "))
            if found == "line_break":  # U+2028, VT, FF…: not a line break a textarea sends
                found = "invisible"
            if found is not None and found != "blank":
                raise ValidationError(MESSAGES[found])
        if not any(_is_visible(ch) for ch in value):
            raise ValidationError(MESSAGES["blank"])
        field.data = value
