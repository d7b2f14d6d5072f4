"""The instant estimate: the sales team's rates (``portal.quotes.rates``) applied to a part.

The policy calls it quoting "through AI"; it is an honest formula, and the site says so: a price
range and a lead time computed at once from the part's geometry, the process, material, finish,
tolerance and quantity, marked as an estimate that staff confirm. docs/pricing.md explains the
formula to the sales team with a worked example.

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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from portal.quotes.rates import Finish, Material, Pricing, Process

_ROUND_TO = 10  # the range's ends are whole tens of yuan


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
class _Rates:
    """The rates one choice selects from the file: what every part of a request is priced at."""

    pricing: Pricing
    process: Process
    material: Material
    finish: Finish
    tolerance: float  # the tolerance's factor


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
    finish = process.finishes[choice.finish]
    rates = _Rates(
        pricing,
        process,
        process.materials[choice.material],
        finish,
        pricing.tolerances[choice.tolerance].factor,
    )
    priced = tuple(_capped(rates, part, choice.quantity) for part in parts if part is not None)
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


def _capped(rates: _Rates, part: PartGeometry, quantity: int) -> PartPrice:
    """The part's price, never above the price of a larger quantity: just under a quantity
    break, more pieces would otherwise cost less in all (49 dearer than 50)."""
    price = _part(rates, part, quantity)
    for step in rates.pricing.quantity_breaks:
        if step.min_quantity <= quantity:
            continue
        larger = _part(rates, part, step.min_quantity)
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


def _part(rates: _Rates, part: PartGeometry, quantity: int) -> PartPrice:
    pricing, process, material, finish = rates.pricing, rates.process, rates.material, rates.finish
    tolerance = rates.tolerance
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
