"""The sales team's rates: ``content/pricing.toml`` read into typed values, and checked.

docs/pricing.md explains the file; ``python build.py check`` reports each mistake with its line
(an unknown key, a missing Chinese name, a finish for a material the process lacks, a factor
that grows with the quantity), and the site refuses to start with a broken file. The formula
that applies the rates is ``portal.quotes.pricing``.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal.policy.model import Problem
from portal.quotes.toml_reader import TableReader

MODELS = ("removal", "volume", "manual")


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
    reader = TableReader(path, text)
    pricing = _read(reader, data)
    return (pricing, []) if not reader.problems else (None, reader.problems)


def _read(r: TableReader, data: dict[str, Any]) -> Pricing:
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
    r: TableReader, key: str, raw: dict[str, Any], tolerances: Mapping[str, Tolerance]
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
