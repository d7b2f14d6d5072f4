"""The instant estimate: the sales team's file read and checked, and the formula applied.

The formula's figures are checked by hand on a small file of round numbers; the real file is
checked for what customers would notice (more pieces never cost less in all, a finer tolerance
never costs less, a finish only for the materials that take it).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from portal.quotes.pricing import Choice, NoEstimate, PartGeometry, estimate
from portal.quotes.rates import Pricing, PricingError, check_pricing, load_pricing
from portal.settings import ROOT
from tests.support.policy_build import run_build_py

REAL = ROOT / "content" / "pricing.toml"
CUBE_20 = PartGeometry((20, 20, 20), volume_mm3=8000, area_mm2=2400)

ROUND_NUMBERS = """
currency = "CNY"
spread = 0.1

[[quantity_break]]
min_quantity = 1
factor = 1.0

[[quantity_break]]
min_quantity = 10
factor = 0.5

[tolerance.standard]
name = { en = "Standard", zh_Hans = "标准" }
factor = 1.0

[tolerance.fine]
name = { en = "Fine", zh_Hans = "精密" }
factor = 2.0

[process.milling]
name = { en = "Milling", zh_Hans = "铣削" }
model = "removal"
setup_cost = 100
machine_rate_per_hour = 60
stock_allowance_mm = 5
finishing_rate_cm2_per_min = 10
handling_minutes_per_part = 1
minimum_order = 0
lead_days = 5
days_per_100_parts = 2
tolerances = ["standard", "fine"]

[process.milling.material.alu]
name = { en = "Aluminium", zh_Hans = "铝" }
density = 2.0
price_per_kg = 10
removal_rate_cm3_per_min = 1

[process.milling.finish.raw]
name = { en = "Raw", zh_Hans = "原色" }
cost_per_cm2 = 0.5
extra_days = 1

[process.printing]
name = { en = "Printing", zh_Hans = "打印" }
model = "volume"
setup_cost = 0
handling_per_part = 3
minimum_order = 50
lead_days = 2
tolerances = ["standard"]

[process.printing.material.nylon]
name = { en = "Nylon", zh_Hans = "尼龙" }
density = 1.0
price_per_cm3 = 2

[process.printing.finish.plain]
name = { en = "Plain", zh_Hans = "原色" }
cost_per_cm2 = 0
extra_days = 0
"""


@pytest.fixture
def round_numbers(tmp_path: Path) -> Pricing:
    path = tmp_path / "pricing.toml"
    path.write_text(ROUND_NUMBERS, encoding="utf-8")
    return load_pricing(path)


@pytest.fixture
def real() -> Pricing:
    return load_pricing(REAL)


# -- the formula, by hand ------------------------------------------------------------------------


def test_machining_by_hand(round_numbers: Pricing) -> None:
    # A 10 mm cube (1 cm³, 6 cm²) from a 20 mm block (8 cm³ with 5 mm on every side):
    # material 8 cm³ × 2 g/cm³ = 16 g at 10 ¥/kg = 0.16 ¥;
    # time: 7 cm³ removed at 1 cm³/min + 6 cm² at 10 cm²/min + 1 min handling = 8.6 min at
    # 60 ¥/h = 8.60 ¥; finish 6 cm² × 0.5 = 3 ¥; one piece 11.76 ¥, plus 100 ¥ setup.
    cube = PartGeometry((10, 10, 10), volume_mm3=1000, area_mm2=600)
    result = estimate(round_numbers, Choice("milling", "alu", "raw", "standard", 1), [cube])
    assert not isinstance(result, NoEstimate)
    (part,) = result.parts
    assert (part.material, part.work, part.finish, part.setup) == (
        Decimal("0.16"),
        Decimal("8.60"),
        Decimal("3.00"),
        Decimal("100.00"),
    )
    assert result.total == Decimal("111.76")
    assert (result.low, result.high) == (100, 130)  # ±10 %, to whole tens, outwards
    assert result.lead_days == 5 + 1  # the finish's extra day

    # Ten pieces: the time at half rate (the break at 10), the fine tolerance doubling it.
    ten = estimate(round_numbers, Choice("milling", "alu", "raw", "fine", 10), [cube])
    assert not isinstance(ten, NoEstimate)
    assert ten.parts[0].work == Decimal("8.60")  # × 2 (fine) × 0.5 (break)
    assert ten.total == Decimal("11.76") * 10 + 100


def test_printing_by_hand_and_the_minimum_order(round_numbers: Pricing) -> None:
    cube = PartGeometry((10, 10, 10), volume_mm3=1000, area_mm2=600)
    one = estimate(round_numbers, Choice("printing", "nylon", "plain", "standard", 1), [cube])
    assert not isinstance(one, NoEstimate)
    assert one.parts[0].unit == Decimal("5.00")  # 1 cm³ × 2 ¥ + 3 ¥ handling
    assert one.total == Decimal(50)  # the minimum order
    assert one.minimum_applied
    many = estimate(round_numbers, Choice("printing", "nylon", "plain", "standard", 30), [cube])
    assert not isinstance(many, NoEstimate)
    assert many.total == Decimal(150)
    assert not many.minimum_applied


def test_every_part_of_a_request_is_priced_and_the_lead_time_grows_with_pieces(
    round_numbers: Pricing,
) -> None:
    cube = PartGeometry((10, 10, 10), volume_mm3=1000, area_mm2=600)
    choice = Choice("milling", "alu", "raw", "standard", 60)
    one = estimate(round_numbers, choice, [cube])
    two = estimate(round_numbers, choice, [cube, cube])
    assert not isinstance(one, NoEstimate)
    assert not isinstance(two, NoEstimate)
    assert two.total == 2 * one.total
    assert (one.lead_days, two.lead_days) == (6, 6 + 2)  # 60 pieces, then 120


# -- when there is no estimate -----------------------------------------------------------------


def test_the_reasons_for_no_estimate(real: Pricing) -> None:
    cnc = Choice("cnc_machining", "aluminium_6061", "as_machined", "standard", 1)
    open_mesh = PartGeometry((20, 20, 20), volume_mm3=None, area_mm2=2000)
    assert estimate(real, cnc, [None]) is NoEstimate.NO_GEOMETRY  # a PDF, say
    assert estimate(real, cnc, [CUBE_20, None]) is NoEstimate.NO_GEOMETRY
    assert estimate(real, cnc, []) is NoEstimate.NO_GEOMETRY
    assert estimate(real, cnc, [open_mesh]) is NoEstimate.NO_VOLUME
    sheet = Choice("sheet_metal", "spcc", "none", "standard", 1)
    assert estimate(real, sheet, [CUBE_20]) is NoEstimate.MANUAL_PROCESS
    anodized_steel = Choice("cnc_machining", "steel_45", "anodized", "standard", 1)
    assert estimate(real, anodized_steel, [CUBE_20]) is NoEstimate.NOT_OFFERED
    printed_precisely = Choice("3d_printing", "pa12_sls", "standard", "precision", 1)
    assert estimate(real, printed_precisely, [CUBE_20]) is NoEstimate.NOT_OFFERED
    assert estimate(real, replace(cnc, quantity=0), [CUBE_20]) is NoEstimate.NOT_OFFERED


# -- the real file -----------------------------------------------------------------------------


def test_the_real_file_is_good_and_names_everything_in_both_languages(real: Pricing) -> None:
    assert check_pricing(REAL)[1] == []
    assert {"cnc_machining", "3d_printing", "sheet_metal", "injection_moulding"} <= set(
        real.processes
    )
    for process in real.processes.values():
        for thing in (process, *process.materials.values(), *process.finishes.values()):
            assert thing.name["en"]
            assert thing.name["zh_Hans"]


@pytest.mark.parametrize("process", ["cnc_machining", "3d_printing"])
def test_more_pieces_never_cost_less_in_all_and_never_more_each(real: Pricing, process) -> None:
    material = next(iter(real.processes[process].materials))
    finish = next(iter(real.processes[process].finishes))
    totals, units = [], []
    for quantity in (1, 2, 5, 9, 10, 49, 50, 99, 100, 500, 1000):
        result = estimate(real, Choice(process, material, finish, "standard", quantity), [CUBE_20])
        assert not isinstance(result, NoEstimate)
        totals.append(result.total)
        units.append(result.total / quantity)
    assert totals == sorted(totals)
    assert units == sorted(units, reverse=True)


def test_a_finer_tolerance_never_costs_less(real: Pricing) -> None:
    block = PartGeometry((120, 80, 30), volume_mm3=150_000, area_mm2=35_000)
    totals = []
    for tolerance in ("standard", "fine", "precision"):
        choice = Choice("cnc_machining", "stainless_304", "bead_blasted", tolerance, 20)
        result = estimate(real, choice, [block])
        assert not isinstance(result, NoEstimate)
        totals.append(result.total)
    assert totals == sorted(totals)
    assert len(set(totals)) == 3


# -- the check names each mistake with its line ------------------------------------------------


def broken(tmp_path: Path, old: str, new: str) -> list[tuple[int, str]]:
    path = tmp_path / "pricing.toml"
    text = REAL.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    pricing, problems = check_pricing(path)
    assert pricing is None
    assert problems
    return [(p.line, p.message) for p in problems]


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(REAL.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("old", "new", "at", "words"),
    [
        # A typo in a key is not silently ignored.
        (
            "price_per_kg = 35",
            "price_per_kilo = 35",
            "price_per_kilo",
            "unknown key 'price_per_kilo'",
        ),
        ("price_per_kg = 35", "price_per_kg = -35", "price_per_kg = -35", "more than 0"),
        ("price_per_kg = 35", 'price_per_kg = "35"', 'price_per_kg = "35"', "must be a number"),
        ("lead_days = 7", "lead_days = 7.5", "lead_days = 7.5", "whole number"),
        ("lead_days = 7", "lead_days = true", "lead_days = true", "whole number"),
        (
            'name = { en = "Aluminium 6061-T6", zh_Hans = "铝合金 6061-T6" }',
            'name = { en = "Aluminium 6061-T6" }',
            'name = { en = "Aluminium 6061-T6" }',
            "no zh_Hans text",
        ),
        (
            'materials = ["aluminium_6061", "aluminium_7075"]',
            'materials = ["aluminium_6061", "aluminum_7075"]',
            'materials = ["aluminium_6061", "aluminum_7075"]',
            "'aluminum_7075' is not a material",
        ),
        ('model = "removal"', 'model = "laser"', 'model = "laser"', "model` must be one of"),
        (
            'tolerances = ["standard", "fine", "precision"]',
            'tolerances = ["standard", "exact"]',
            'tolerances = ["standard", "exact"]',
            "'exact' is not defined",
        ),
        ("factor = 0.85", "factor = 0.95", "min_quantity = 10", "a larger order would cost more"),
        ('currency = "CNY"', 'currency = "USD"', 'currency = "USD"', 'must be "CNY"'),
        ("spread = 0.15", "spread = 1.5", "spread = 1.5", "less than 1"),
    ],
)
def test_a_mistake_is_named_with_its_line(tmp_path, old, new, at, words) -> None:
    found = broken(tmp_path, old, new)
    text = REAL.read_text(encoding="utf-8").replace(old, new, 1)
    expected_line = next(n for n, line in enumerate(text.splitlines(), 1) if at in line)
    if at == "min_quantity = 10":
        expected_line -= 1  # the [[quantity_break]] line of that break
    assert any(words in message for _, message in found), found
    assert any(line == expected_line for line, message in found if words in message), found


def test_invalid_toml_is_reported_with_its_line(tmp_path: Path) -> None:
    ((line, message),) = broken(tmp_path, "setup_cost = 200", "setup_cost = = 200")
    assert line == line_of("setup_cost = 200")
    assert "not valid TOML" in message


def test_load_pricing_refuses_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "pricing.toml"
    path.write_text('currency = "CNY"\n', encoding="utf-8")
    with pytest.raises(PricingError) as error:
        load_pricing(path)
    assert "quantity_break" in str(error.value)


def test_build_py_check_fails_on_a_broken_pricing_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    pricing = content / "pricing.toml"
    pricing.write_text(
        pricing.read_text(encoding="utf-8").replace("density = 2.70", "density = 0"),
        encoding="utf-8",
    )
    result = run_build_py("check", content=content, tmp_path=tmp_path)
    assert result.returncode == 1
    assert f"{pricing}:{line_of('density = 2.70')}: " in result.stderr
    assert "density" in result.stderr


def test_the_site_does_not_start_with_a_broken_pricing_file(tmp_path: Path) -> None:
    from portal.app import create_app
    from tests.support.site import make_settings

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "pricing.toml").write_text('currency = "CNY"\n', encoding="utf-8")
    with pytest.raises(PricingError):
        create_app(make_settings(tmp_path, content_dir=content))
    assert create_app(make_settings(tmp_path)).state.pricing.processes
