"""China's provinces and cities: GB/T 2260 codes with Chinese and English names.

The data is ``data/regions.json``, vendored from a GB/T 2260 package by
``tools/vendor_regions.py`` (``data/README.md`` says which, and how the list is shaped: one level
of cities per province, a municipality, Hong Kong, Macao and Taiwan each their own one city).
It is read once, at import, into frozen dataclasses and dictionaries: every address form render
asks for it, so lookups are dictionary reads and the choice lists are built once per language.

    from portal import regions
    regions.provinces()                     # [Province('110000', '北京市', 'Beijing'), ...]
    regions.cities("440000")                # [City('440100', '广州市', 'Guangzhou'), ...]
    regions.city("440300").name()           # 'Shenzhen', or '深圳市' when zh_Hans is current
    regions.is_city_of("440300", "440000")  # True
    regions.place("440300")                 # 'Shenzhen, Guangdong' / '广东省深圳市'

Stored addresses keep codes, never names, so a name shows in the reader's language. A code that a
later data release drops answers ``None`` from :func:`city` / :func:`province`: show the stored
code rather than fail, and let the owner choose again when they edit the address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from portal import i18n

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.json"


@dataclass(frozen=True, slots=True)
class Region:
    """A province or city: its GB/T 2260 code and its name in each language."""

    code: str
    zh: str
    en: str

    def name(self, locale: str | None = None) -> str:
        """The name in ``locale`` (default: the current one): 深圳市 or Shenzhen."""
        return self.zh if (locale or i18n.current_locale()) == "zh_Hans" else self.en


@dataclass(frozen=True, slots=True)
class City(Region):
    province_code: str


@dataclass(frozen=True, slots=True)
class Province(Region):
    cities: tuple[City, ...]

    @property
    def is_own_city(self) -> bool:
        """A municipality or Hong Kong, Macao, Taiwan: its one city is itself."""
        return len(self.cities) == 1 and self.cities[0].zh == self.zh


@dataclass(frozen=True, slots=True)
class Source:
    """Where the data comes from (``data/README.md``)."""

    package: str
    registry: str
    version: str
    licence: str
    data: str

    def __str__(self) -> str:
        return f"{self.package} {self.version} ({self.registry})"


def _load(path: Path) -> tuple[Source, tuple[Province, ...]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    provinces = tuple(
        Province(
            code=p["code"],
            zh=p["zh"],
            en=p["en"],
            cities=tuple(
                sorted(
                    (City(c["code"], c["zh"], c["en"], p["code"]) for c in p["cities"]),
                    key=lambda c: c.code,
                )
            ),
        )
        for p in sorted(raw["provinces"], key=lambda p: p["code"])
    )
    return Source(**raw["source"]), provinces


SOURCE, _PROVINCES = _load(DATA_FILE)
_BY_PROVINCE = {p.code: p for p in _PROVINCES}
_BY_CITY = {c.code: c for p in _PROVINCES for c in p.cities}


def provinces() -> tuple[Province, ...]:
    """The 34 province-level regions, by code."""
    return _PROVINCES


def province(code: str | None) -> Province | None:
    """The province with GB/T 2260 ``code`` (``440000``), or ``None``."""
    return _BY_PROVINCE.get(code) if code else None


def cities(province_code: str | None) -> tuple[City, ...]:
    """The cities of a province, by code; none for an unknown province."""
    found = province(province_code)
    return found.cities if found else ()


def city(code: str | None) -> City | None:
    """The city with GB/T 2260 ``code`` (``440300``), or ``None``."""
    return _BY_CITY.get(code) if code else None


def is_city_of(city_code: str | None, province_code: str | None) -> bool:
    """True when ``city_code`` is one of the cities of ``province_code``."""
    found = city(city_code)
    return found is not None and found.province_code == province_code


def place(city_code: str | None, locale: str | None = None) -> str:
    """A city with its province, as each language writes it: ``Shenzhen, Guangdong`` /
    ``广东省深圳市``; a municipality alone (``Beijing`` / ``北京市``). Empty for an unknown code."""
    found = city(city_code)
    if found is None:
        return ""
    parent = _BY_PROVINCE[found.province_code]
    locale = locale or i18n.current_locale()
    if parent.is_own_city:
        return parent.name(locale)
    if locale == "zh_Hans":
        return parent.zh + found.zh
    return f"{found.en}, {parent.en}"


def province_choices(locale: str | None = None) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of every province in ``locale`` (default: the current one)."""
    return _province_choices(_known_locale(locale))


def city_choices(
    province_code: str | None, locale: str | None = None
) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of the cities of a province in ``locale``; none for an unknown one."""
    # Only known codes reach the cache, so request input cannot grow it.
    code = province_code if province_code in _BY_PROVINCE else None
    return _city_choices(code, _known_locale(locale))


def _known_locale(locale: str | None) -> str:
    locale = locale or i18n.current_locale()
    return locale if locale in i18n.KNOWN_LOCALES else i18n.DEFAULT_LOCALE


@cache
def _province_choices(locale: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.code, p.name(locale)) for p in _PROVINCES)


@cache
def _city_choices(province_code: str | None, locale: str) -> tuple[tuple[str, str], ...]:
    return tuple((c.code, c.name(locale)) for c in cities(province_code))
