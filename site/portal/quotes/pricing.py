"""The instant estimate: ``content/pricing.toml`` (the sales team's rates) read, checked, applied.

The policy calls it quoting "through AI"; it is an honest formula, and the site says so: a price
range and a lead time computed at once from the part's geometry, the process, material, finish,
tolerance and quantity, marked as an estimate that staff confirm. docs/pricing.md explains the
file to the sales team; ``python build.py check`` reports its mistakes with their lines.

Two models, chosen per process in the file:

- ``removal`` (CNC machining): the part is cut from a block, its bounding box plus the stock
  allowance on every side. Material is the block's weight at the price per kg; machining time is
  the removed volume at the material's removal rate, plus the surface at the finishing rate,
  plus the handling minutes per part, at the machine rate, times the tolerance factor and the
  quantity break's factor.
- ``volume`` (3D printing): the part's volume at the material's price per cm³, times the
  tolerance factor, plus handling per part.

A ``manual`` process, a drawing without geometry, or a mesh without a volume (not watertight)
gets no estimate but the reason, and goes to staff.
"""

from __future__ import annotations

import enum
import itertools
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from portal.i18n import KNOWN_LOCALES
from portal.policy.model import Problem

MODELS = ("removal", "volume", "manual")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_ROUND_TO = 10  # the range's ends are whole tens of yuan


# -- the file's contents -----------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    key: str
    name: Mapping[str, str]
    density: float  # g/cm³
    price_per_kg: float = 0.0  # removal
    removal_rate_cm3_per_min: float = 0.0  # removal
    price_per_cm3: float = 0.0  # volume


@dataclass(frozen=True)
class Finish:
    key: str
    name: Mapping[str, str]
    cost_per_cm2: float = 0.0
    extra_days: int = 0
    materials: tuple[str, ...] = ()  # empty: every material of the process

    def suits(self, material: str) -> bool:
        return not self.materials or material in self.materials


@dataclass(frozen=True)
class Tolerance:
    key: str
    name: Mapping[str, str]
    factor: float


@dataclass(frozen=True)
class Process:
    key: str
    name: Mapping[str, str]
    model: str
    materials: Mapping[str, Material]
    finishes: Mapping[str, Finish]
    tolerances: tuple[str, ...]
    lead_days: int
    days_per_100_parts: int = 0
    setup_cost: float = 0.0
    minimum_order: float = 0.0
    machine_rate_per_hour: float = 0.0  # removal
    stock_allowance_mm: float = 0.0  # removal
    finishing_rate_cm2_per_min: float = 0.0  # removal
    handling_minutes_per_part: float = 0.0  # removal: loading, unloading, deburring
    handling_per_part: float = 0.0  # volume

    @property
    def instant(self) -> bool:
        """Whether the site can estimate this process at once (else staff quote it)."""
        return self.model != "manual"


@dataclass(frozen=True)
class QuantityBreak:
    min_quantity: int
    factor: float


@dataclass(frozen=True)
class Pricing:
    currency: str
    spread: float
    quantity_breaks: tuple[QuantityBreak, ...]
    tolerances: Mapping[str, Tolerance]
    processes: Mapping[str, Process]

    def quantity_factor(self, quantity: int) -> float:
        factor = 1.0
        for step in self.quantity_breaks:
            if quantity >= step.min_quantity:
                factor = step.factor
        return factor


class PricingError(Exception):
    """``content/pricing.toml`` cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# -- reading and checking ----------------------------------------------------------------------

_TOP = {"currency", "spread", "quantity_break", "tolerance", "process"}
_PROCESS_KEYS = {
    "removal": {
        "setup_cost",
        "machine_rate_per_hour",
        "stock_allowance_mm",
        "finishing_rate_cm2_per_min",
        "handling_minutes_per_part",
        "minimum_order",
    },
    "volume": {"setup_cost", "handling_per_part", "minimum_order"},
    "manual": set(),
}
_PROCESS_COMMON = {
    "name",
    "model",
    "lead_days",
    "days_per_100_parts",
    "tolerances",
    "material",
    "finish",
}
_MATERIAL_KEYS = {
    "removal": {"price_per_kg", "removal_rate_cm3_per_min"},
    "volume": {"price_per_cm3"},
    "manual": set(),
}
_FINISH_PRICED = {"cost_per_cm2", "extra_days"}


class _Reader:
    """Reads the parsed TOML, collecting every problem (with its line) instead of stopping."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.problems: list[Problem] = []

    def line(self, table: str, key: str | None = None) -> int:
        """The line of ``[table]`` (or ``[[table]]``), or of ``key =`` inside it; 0 if unknown."""
        start = 0
        for number, text in enumerate(self.lines, 1):
            if text.strip() in (f"[{table}]", f"[[{table}]]"):
                start = number
                break
        if key is None or (start == 0 and table):
            return start
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            text = self.lines[number - 1]
            if text.lstrip().startswith("["):
                break
            if pattern.match(text):
                return number
        return start

    def nth(self, table: str, index: int) -> int:
        """The line of the ``index``-th ``[[table]]`` (counting from 0); 0 if unknown."""
        starts = [n for n, text in enumerate(self.lines, 1) if text.strip() == f"[[{table}]]"]
        return starts[index] if index < len(starts) else 0

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def table(self, value: Any, table: str, where: str) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        self.problem(self.line(table), f"{where} must be a table")
        return {}

    def unknown(self, data: Mapping[str, Any], allowed: set[str], table: str, where: str) -> None:
        for key in sorted(set(data) - allowed):
            known = ", ".join(sorted(allowed))
            self.problem(self.line(table, key), f"{where}: unknown key {key!r} (known: {known})")

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        where: str,
        *,
        minimum: float = 0.0,
        strict: bool = False,
        default: float | None = None,
        integer: bool = False,
    ) -> float:
        value = data.get(key, default)
        kind = "a whole number" if integer else "a number"
        if value is None:
            self.problem(self.line(table), f"{where}: `{key}` is missing ({kind})")
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            self.problem(self.line(table, key), f"{where}: `{key}` must be {kind}, not {value!r}")
            return 0.0
        if integer and not isinstance(value, int):
            self.problem(self.line(table, key), f"{where}: `{key}` must be {kind}, not {value!r}")
            return 0.0
        if (value <= minimum) if strict else (value < minimum):
            bound = f"more than {minimum:g}" if strict else f"at least {minimum:g}"
            self.problem(self.line(table, key), f"{where}: `{key}` must be {bound}, not {value!r}")
        return float(value)

    def names(self, data: Mapping[str, Any], table: str, where: str) -> dict[str, str]:
        value = data.get("name")
        if not isinstance(value, dict):
            self.problem(
                self.line(table, "name"), f'{where}: `name` must be {{ en = "…", zh_Hans = "…" }}'
            )
            return dict.fromkeys(KNOWN_LOCALES, "")
        names = {}
        for locale in KNOWN_LOCALES:
            text = value.get(locale)
            if not isinstance(text, str) or not text.strip():
                self.problem(self.line(table, "name"), f"{where}: `name` has no {locale} text")
                text = ""
            names[locale] = text.strip()
        return names

    def key(self, key: str, table: str, where: str) -> None:
        if not _KEY.match(key):
            self.problem(
                self.line(table),
                f"{where}: {key!r} must be lower-case letters, digits and underscores",
            )


def load_pricing(path: Path) -> Pricing:
    """Read and check ``path``; :class:`PricingError` lists every problem with its line."""
    pricing, problems = check_pricing(path)
    if pricing is None:
        raise PricingError(problems)
    return pricing


def check_pricing(path: Path) -> tuple[Pricing | None, list[Problem]]:
    """The pricing and no problems, or ``None`` and every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(path, 0, "the pricing file is missing")]
    except UnicodeDecodeError as error:
        return None, [Problem(path, 0, f"not UTF-8: {error}")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        return None, [Problem(path, int(match[1]) if match else 0, f"not valid TOML: {error}")]
    reader = _Reader(path, text)
    pricing = _read(reader, data)
    return (pricing, []) if not reader.problems else (None, reader.problems)


def _read(r: _Reader, data: dict[str, Any]) -> Pricing:
    r.unknown(data, _TOP, "", "the file")
    currency = data.get("currency")
    if currency != "CNY":
        r.problem(r.line("", "currency"), f'`currency` must be "CNY", not {currency!r}')
    spread = r.number(data, "spread", "", "the file")
    if spread >= 1:
        r.problem(r.line("", "spread"), f"`spread` must be less than 1, not {spread!r}")

    breaks = []
    raw_breaks = data.get("quantity_break", [])
    if not isinstance(raw_breaks, list) or not raw_breaks:
        r.problem(r.line("quantity_break"), "at least one [[quantity_break]] is needed")
        raw_breaks = []
    for index, raw in enumerate(raw_breaks):
        where = f"quantity break #{index + 1}"
        raw = r.table(raw, "quantity_break", where)
        r.unknown(raw, {"min_quantity", "factor"}, "quantity_break", where)
        minimum = int(
            r.number(raw, "min_quantity", "quantity_break", where, minimum=1, integer=True)
        )
        factor = r.number(raw, "factor", "quantity_break", where, strict=True)
        if factor > 1:
            r.problem(r.nth("quantity_break", index), f"{where}: `factor` must be at most 1")
        breaks.append(QuantityBreak(minimum, factor))
    if breaks and breaks[0].min_quantity != 1:
        r.problem(r.line("quantity_break"), "the first quantity break must start at 1")
    for index, (before, after) in enumerate(itertools.pairwise(breaks), 1):
        if after.min_quantity <= before.min_quantity:
            r.problem(
                r.nth("quantity_break", index), "quantity breaks must go up in `min_quantity`"
            )
        if after.factor > before.factor:
            r.problem(
                r.nth("quantity_break", index),
                f"the factor for {after.min_quantity} parts is above the one for "
                f"{before.min_quantity}: a larger order would cost more per part",
            )

    tolerances = {}
    for key, raw in r.table(data.get("tolerance", {}), "tolerance", "[tolerance.*]").items():
        table, where = f"tolerance.{key}", f"tolerance {key!r}"
        r.key(key, table, where)
        raw = r.table(raw, table, where)
        r.unknown(raw, {"name", "factor"}, table, where)
        factor = r.number(raw, "factor", table, where, strict=True)
        tolerances[key] = Tolerance(key, r.names(raw, table, where), factor)
    if not tolerances:
        r.problem(0, "at least one [tolerance.*] is needed")

    processes = {}
    for key, raw in r.table(data.get("process", {}), "process", "[process.*]").items():
        process = _read_process(
            r, key, r.table(raw, f"process.{key}", f"process {key!r}"), tolerances
        )
        if process is not None:
            processes[key] = process
    if not processes:
        r.problem(0, "at least one [process.*] is needed")
    return Pricing(str(currency), spread, tuple(breaks), tolerances, processes)


def _read_process(
    r: _Reader, key: str, raw: dict[str, Any], tolerances: Mapping[str, Tolerance]
) -> Process | None:
    table, where = f"process.{key}", f"process {key!r}"
    r.key(key, table, where)
    model = raw.get("model")
    if model not in MODELS:
        r.problem(r.line(table, "model"), f"{where}: `model` must be one of {', '.join(MODELS)}")
        return None
    r.unknown(raw, _PROCESS_COMMON | _PROCESS_KEYS[model], table, where)
    names = r.names(raw, table, where)
    numbers = {
        name: r.number(
            raw, name, table, where, strict=name.endswith(("_rate_per_hour", "_per_min"))
        )
        for name in sorted(_PROCESS_KEYS[model])
    }
    lead_days = int(r.number(raw, "lead_days", table, where, minimum=1, integer=True))
    per_100 = int(r.number(raw, "days_per_100_parts", table, where, default=0, integer=True))
    allowed = raw.get("tolerances")
    if not isinstance(allowed, list) or not allowed or not all(isinstance(t, str) for t in allowed):
        r.problem(r.line(table, "tolerances"), f"{where}: `tolerances` must list tolerance keys")
        allowed = []
    for tolerance in allowed:
        if tolerance not in tolerances:
            r.problem(
                r.line(table, "tolerances"),
                f"{where}: tolerance {tolerance!r} is not defined in [tolerance.*]",
            )

    materials = {}
    for material_key, material_raw in r.table(
        raw.get("material", {}), table, f"{where} materials"
    ).items():
        mtable, mwhere = f"{table}.material.{material_key}", f"{where} material {material_key!r}"
        r.key(material_key, mtable, mwhere)
        material_raw = r.table(material_raw, mtable, mwhere)
        r.unknown(material_raw, {"name", "density"} | _MATERIAL_KEYS[model], mtable, mwhere)
        values = {
            name: r.number(material_raw, name, mtable, mwhere, strict=True)
            for name in sorted(_MATERIAL_KEYS[model])
        }
        materials[material_key] = Material(
            material_key,
            r.names(material_raw, mtable, mwhere),
            r.number(material_raw, "density", mtable, mwhere, strict=True),
            **values,
        )
    if not materials:
        r.problem(r.line(table), f"{where}: at least one [{table}.material.*] is needed")

    finishes = {}
    for finish_key, finish_raw in r.table(
        raw.get("finish", {}), table, f"{where} finishes"
    ).items():
        ftable, fwhere = f"{table}.finish.{finish_key}", f"{where} finish {finish_key!r}"
        r.key(finish_key, ftable, fwhere)
        finish_raw = r.table(finish_raw, ftable, fwhere)
        priced = model != "manual"
        r.unknown(
            finish_raw,
            {"name", "materials"} | (_FINISH_PRICED if priced else set()),
            ftable,
            fwhere,
        )
        suits = finish_raw.get("materials", [])
        if not isinstance(suits, list) or not all(isinstance(m, str) for m in suits):
            r.problem(r.line(ftable, "materials"), f"{fwhere}: `materials` must list material keys")
            suits = []
        for material_key in suits:
            if material_key not in materials:
                r.problem(
                    r.line(ftable, "materials"),
                    f"{fwhere}: material {material_key!r} is not a material of {where}",
                )
        finishes[finish_key] = Finish(
            finish_key,
            r.names(finish_raw, ftable, fwhere),
            r.number(finish_raw, "cost_per_cm2", ftable, fwhere) if priced else 0.0,
            int(r.number(finish_raw, "extra_days", ftable, fwhere, integer=True)) if priced else 0,
            tuple(suits),
        )
    if not finishes:
        r.problem(r.line(table), f"{where}: at least one [{table}.finish.*] is needed")
    for material_key in materials:
        if finishes and not any(f.suits(material_key) for f in finishes.values()):
            r.problem(r.line(table), f"{where}: no finish suits material {material_key!r}")

    return Process(
        key=key,
        name=names,
        model=model,
        materials=materials,
        finishes=finishes,
        tolerances=tuple(allowed),
        lead_days=lead_days,
        days_per_100_parts=per_100,
        setup_cost=numbers.get("setup_cost", 0.0),
        minimum_order=numbers.get("minimum_order", 0.0),
        machine_rate_per_hour=numbers.get("machine_rate_per_hour", 0.0),
        stock_allowance_mm=numbers.get("stock_allowance_mm", 0.0),
        finishing_rate_cm2_per_min=numbers.get("finishing_rate_cm2_per_min", 0.0),
        handling_per_part=numbers.get("handling_per_part", 0.0),
        handling_minutes_per_part=numbers.get("handling_minutes_per_part", 0.0),
    )


# -- the estimate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartGeometry:
    """What the geometry reader found in one drawing (portal.drawings): sizes in mm."""

    size_mm: tuple[float, float, float]  # the bounding box
    volume_mm3: float | None  # None: a mesh that is not closed has no volume
    area_mm2: float | None


@dataclass(frozen=True)
class Choice:
    """What the customer asked for: one process, material, finish and tolerance, and how many
    of each part (drawing)."""

    process: str
    material: str
    finish: str
    tolerance: str
    quantity: int


class NoEstimate(enum.Enum):
    """Why staff quote this request by hand."""

    MANUAL_PROCESS = "manual_process"  # sheet metal, moulding: the process is quoted by staff
    NO_GEOMETRY = "no_geometry"  # a drawing without a 3D model (PDF, DWG, DXF, …) or unread
    NO_VOLUME = "no_volume"  # a mesh that is not closed: its volume is unknown
    NOT_OFFERED = "not_offered"  # a material, finish or tolerance the process does not offer


@dataclass(frozen=True)
class PartPrice:
    """One part's share, for staff: what each line of the formula came to, in yuan."""

    material: Decimal
    work: Decimal  # machining or printing (handling included)
    finish: Decimal
    setup: Decimal
    unit: Decimal  # material + work + finish, per piece
    total: Decimal  # unit × quantity + setup


@dataclass(frozen=True)
class Estimate:
    low: int  # yuan, whole tens
    high: int
    total: Decimal  # the computed price, before the range
    lead_days: int  # working days
    parts: tuple[PartPrice, ...]
    minimum_applied: bool  # the order's minimum raised the total


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def offered(pricing: Pricing, choice: Choice) -> bool:
    """Whether the process offers this material, finish (for that material) and tolerance."""
    process = pricing.processes.get(choice.process)
    if process is None or choice.material not in process.materials:
        return False
    finish = process.finishes.get(choice.finish)
    return (
        finish is not None
        and finish.suits(choice.material)
        and choice.tolerance in process.tolerances
        and choice.quantity >= 1
    )


def estimate(
    pricing: Pricing, choice: Choice, parts: Sequence[PartGeometry | None]
) -> Estimate | NoEstimate:
    """The price range and lead time for ``quantity`` of each part, or why there is none."""
    if not offered(pricing, choice):
        return NoEstimate.NOT_OFFERED
    process = pricing.processes[choice.process]
    if not process.instant:
        return NoEstimate.MANUAL_PROCESS
    if not parts or any(p is None or p.area_mm2 is None for p in parts):
        return NoEstimate.NO_GEOMETRY
    if any(p.volume_mm3 is None for p in parts if p is not None):
        return NoEstimate.NO_VOLUME
    material = process.materials[choice.material]
    finish = process.finishes[choice.finish]
    tolerance = pricing.tolerances[choice.tolerance].factor
    priced = tuple(
        _capped(pricing, process, material, finish, tolerance, part, choice.quantity)
        for part in parts
        if part is not None
    )
    computed = sum((p.total for p in priced), Decimal(0))
    minimum = _money(process.minimum_order)
    total = max(computed, minimum)
    spread = Decimal(str(pricing.spread))
    low = int((total * (1 - spread) / _ROUND_TO).to_integral_value(rounding="ROUND_FLOOR"))
    high = int((total * (1 + spread) / _ROUND_TO).to_integral_value(rounding="ROUND_CEILING"))
    pieces = choice.quantity * len(priced)
    extra = (pieces - 1) // 100 * process.days_per_100_parts
    return Estimate(
        low=low * _ROUND_TO,
        high=high * _ROUND_TO,
        total=total,
        lead_days=process.lead_days + finish.extra_days + extra,
        parts=priced,
        minimum_applied=computed < minimum,
    )


def _capped(
    pricing: Pricing,
    process: Process,
    material: Material,
    finish: Finish,
    tolerance: float,
    part: PartGeometry,
    quantity: int,
) -> PartPrice:
    """The part's price, never above the price of a larger quantity: just under a quantity
    break, more pieces would otherwise cost less in all (49 dearer than 50)."""
    price = _part(pricing, process, material, finish, tolerance, part, quantity)
    for step in pricing.quantity_breaks:
        if step.min_quantity <= quantity:
            continue
        larger = _part(pricing, process, material, finish, tolerance, part, step.min_quantity)
        if larger.total < price.total:
            # Rounded down, so that the total stays at or under the larger quantity's.
            unit = ((larger.total - larger.setup) / quantity).quantize(
                Decimal("0.01"), rounding=ROUND_DOWN
            )
            price = PartPrice(
                material=price.material,
                work=unit - price.material - price.finish,
                finish=price.finish,
                setup=price.setup,
                unit=unit,
                total=unit * quantity + price.setup,
            )
    return price


def _part(
    pricing: Pricing,
    process: Process,
    material: Material,
    finish: Finish,
    tolerance: float,
    part: PartGeometry,
    quantity: int,
) -> PartPrice:
    assert part.volume_mm3 is not None
    assert part.area_mm2 is not None
    volume_cm3 = part.volume_mm3 / 1000
    area_cm2 = part.area_mm2 / 100
    if process.model == "removal":
        allowance = 2 * process.stock_allowance_mm
        x, y, z = (size + allowance for size in part.size_mm)
        stock_cm3 = x * y * z / 1000
        removed_cm3 = max(stock_cm3 - volume_cm3, 0.0)
        material_cost = stock_cm3 * material.density / 1000 * material.price_per_kg
        minutes = (
            removed_cm3 / material.removal_rate_cm3_per_min
            + area_cm2 / process.finishing_rate_cm2_per_min
            + process.handling_minutes_per_part
        )
        work = (
            minutes
            / 60
            * process.machine_rate_per_hour
            * tolerance
            * pricing.quantity_factor(quantity)
        )
    else:  # volume
        material_cost = volume_cm3 * material.price_per_cm3
        work = material_cost * (tolerance - 1) + process.handling_per_part
    finish_cost = area_cm2 * finish.cost_per_cm2
    unit = _money(material_cost) + _money(work) + _money(finish_cost)
    setup = _money(process.setup_cost)
    return PartPrice(
        material=_money(material_cost),
        work=_money(work),
        finish=_money(finish_cost),
        setup=setup,
        unit=unit,
        total=unit * quantity + setup,
    )
