"""The forms layer: the WTForms base with translated messages (``base``), field factories with
one catalogue message per limit (``fields``), and the province and city picker (``regions``).
"""

from __future__ import annotations

from portal.forms.base import (
    Email,
    Phone,
    PortalForm,
    display_phone,
    entered,
    field_text,
    lazy_message,
    strip,
)

__all__ = [
    "Email",
    "Phone",
    "PortalForm",
    "display_phone",
    "entered",
    "field_text",
    "lazy_message",
    "strip",
]
