"""The copy's documents: ``data.json`` (with its JSON Schema), a CSV per scenario, ``index.html``.

``data.json`` is for programs: every scenario of the data inventory with every field it lists
(key, label, sensitive, required), and the user's records under it as "What we hold on you"
words them, each with when it was stored (``recorded_at``) and last changed (``changed_at``),
ISO 8601 in UTC; then, as stored, the consent ledger, the audit trail, the quote requests, the
mails and the drawings. ``schema.json`` beside this module describes it (a test validates a
real copy against it); the copy carries it as ``data.schema.json``.

The CSV files are for people, opened in Excel or WPS: one row per record, the header row in the
user's language (the keys are in ``data.json``), times in Beijing time as ``YYYY-MM-DD HH:MM``
(which spreadsheets read as times), UTF-8 with a byte order mark (without it, Excel in China
reads UTF-8 as GBK). A value a spreadsheet would run as a formula (it begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is prefixed with an apostrophe there, as OWASP advises;
``data.json`` keeps it as it is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from portal import i18n
from portal.db import utcnow
from portal.policy.model import Inventory
from portal.privacy.services import CONTACT_EMAIL
from portal.profile.export.services import PersonalDataCopy
from portal.profile.my_data.formatting import BEIJING, iso
from portal.profile.my_data.model import Item, Section
from portal.quotes.models import QuoteRequest

SCHEMA_PATH = Path(__file__).with_name("schema.json")
FORMAT = "personal-data-copy"
VERSION = 1
INDEX = "index.html"
DATA = "data.json"
SCHEMA = "data.schema.json"
CSV_FOLDER = "csv"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_path(section: Section) -> str:
    """``csv/account-records.csv``: the scenario's id, as a file name."""
    return f"{CSV_FOLDER}/{section.id.replace('_', '-')}.csv"


def archive_name(taken_at: datetime | None = None) -> str:
    """``personal-data-2026-12-04.zip``: the day the copy was taken, in Beijing."""
    day = (taken_at or utcnow()).astimezone(BEIJING).date()
    return f"personal-data-{day.isoformat()}.zip"


# -- data.json -----------------------------------------------------------------------------


def data_json(copy: PersonalDataCopy) -> bytes:
    """``data.json``: see this module."""
    # No indentation: the C encoder only serves compact output, five times as fast.
    return json.dumps(document(copy), ensure_ascii=False).encode("utf-8")


def schema_json() -> bytes:
    return SCHEMA_PATH.read_bytes()


def document(copy: PersonalDataCopy) -> dict[str, Any]:
    """The dictionary ``data.json`` holds."""
    user = copy.user
    locale = copy.data.locale
    drawings: dict[int | None, list[str]] = {}
    for each in copy.drawings:
        drawings.setdefault(each.drawing.quote_id, []).append(each.drawing.filename)
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": iso(copy.taken_at),
        "language": locale,
        "account": {"id": user.id, "email": user.email},
        "scenarios": [_scenario(s, copy.inventory, locale) for s in copy.data.sections],
        "consent_ledger": [
            {
                "kind": row.kind,
                "purpose": row.purpose,
                "policy_version": row.policy_version,
                "language": row.language,
                "channel": row.channel,
                "occurred_at": iso(row.occurred_at),
            }
            for row in copy.consents
        ],
        "audit_trail": [
            {
                "record": row.record,
                "field": row.field,
                "action": row.action,
                "by": "you" if row.actor_id in (None, user.id) else "staff",
                "channel": row.channel,
                "occurred_at": iso(row.occurred_at),
            }
            for row in copy.audit
        ],
        "quote_requests": [_quote(quote, drawings.get(quote.id, [])) for quote in copy.quotes],
        "mails": [
            {
                "to": mail.recipient,
                "subject": mail.subject,
                "text": mail.text_body,
                "written_at": iso(mail.created_at),
                "sent_at": iso(mail.sent_at),
            }
            for mail in copy.mails
        ],
        "drawings": [
            {
                "file_name": each.drawing.filename,
                "path": each.path if each.included else None,
                "quote_reference": each.quote_reference,
                "size": each.drawing.size,
                "sha256": each.drawing.sha256,
                "format": each.drawing.format,
                "uploaded_at": iso(each.drawing.created_at),
                "included": each.included,
            }
            for each in copy.drawings
        ],
    }


def _scenario(section: Section, inventory: Inventory, locale: str) -> dict[str, Any]:
    fields = next(s.fields for s in inventory.scenarios if s.id == section.id)
    return {
        "id": section.id,
        "title": section.title,
        "purpose": section.purpose,
        "method": section.method,
        "retention": section.retention,
        "fields": [
            {
                "key": field.key,
                "label": field.label[locale],
                "sensitive": field.sensitive,
                "required": field.required,
            }
            for field in fields
        ],
        "parts": [
            {
                "title": part.title,
                "note": part.note,
                "records": [
                    {
                        "title": record.title,
                        "recorded_at": record.recorded_at,
                        "changed_at": record.changed_at,
                        "values": [_value(item) for item in record.items],
                    }
                    for record in part.records
                ],
            }
            for part in section.parts
        ],
    }


def _value(item: Item) -> dict[str, Any]:
    return {
        "field": item.key.partition(".")[2],
        "label": item.label,
        "value": item.value,
        "time": item.time,
        "sensitive": item.sensitive,
    }


def _quote(quote: QuoteRequest, drawings: list[str]) -> dict[str, Any]:
    return {
        "reference": quote.reference,
        "process": quote.process,
        "material": quote.material,
        "finish": quote.finish,
        "tolerance": quote.tolerance,
        "quantity": quote.quantity,
        "required_date": quote.required_date.isoformat() if quote.required_date else None,
        "notes": quote.notes,
        "status": quote.status,
        "estimate_low_cny": quote.estimate_low,
        "estimate_high_cny": quote.estimate_high,
        "estimate_days": quote.estimate_days,
        "price_cny": str(quote.price) if quote.price is not None else None,
        "lead_days": quote.lead_days,
        "our_message": quote.staff_message,
        "sent_at": iso(quote.created_at),
        "changed_at": iso(quote.updated_at),
        "drawings": drawings,
    }


# -- CSV -----------------------------------------------------------------------------------


def scenario_csv(section: Section) -> bytes:
    """The scenario's records as a table (see this module); a header row only when none."""
    columns: dict[tuple[str, str], int] = {}
    for part in section.parts:
        for record in part.records:
            for item in record.items:
                columns.setdefault((item.key, item.label), len(columns))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            i18n.gettext("Kind of record"),
            i18n.gettext("Record"),
            i18n.gettext("Stored on"),
            i18n.gettext("Last changed"),
            *(label for _key, label in columns),
        ]
    )
    for part in section.parts:
        for record in part.records:
            cells = [""] * len(columns)
            for item in record.items:
                cells[columns[(item.key, item.label)]] = _cell(item)
            writer.writerow(
                _guarded(
                    [
                        part.title or section.title,
                        record.title or "",
                        _beijing(record.recorded_at),
                        _beijing(record.changed_at),
                        *cells,
                    ]
                )
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(item: Item) -> str:
    if item.time:
        return _beijing(item.time)
    return item.value or ""


def _beijing(moment: str | None) -> str:
    if not moment:
        return ""
    return datetime.fromisoformat(moment).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _guarded(cells: Iterable[str]) -> list[str]:
    return ["'" + cell if cell.startswith(_FORMULA_STARTS) else cell for cell in cells]


# -- index.html ----------------------------------------------------------------------------


def index_html(env: jinja2.Environment, copy: PersonalDataCopy) -> bytes:
    """``index.html`` in the copy's language: what each file is (templates/profile/export/)."""
    with i18n.use_locale(copy.data.locale):
        taken = copy.taken_at.astimezone(BEIJING)
        page = env.get_template("profile/export/index.html").render(
            copy=copy,
            html_lang=i18n.current_language().html_lang,
            taken_at=taken.strftime("%Y-%m-%d %H:%M"),
            csv_files=[(csv_path(section), section) for section in copy.data.sections],
            size=i18n.format_size,
            data=DATA,
            schema=SCHEMA,
            unavailable=[each for each in copy.drawings if not each.included],
            contact_email=CONTACT_EMAIL,
        )
    return page.encode("utf-8")
