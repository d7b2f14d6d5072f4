"""Provinces and cities: the vendored GB/T 2260 data, the form fields, the picker and its route."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.datastructures import FormData
from starlette.testclient import TestClient

from portal import i18n, regions
from portal.forms import PortalForm
from portal.forms.regions import RegionMixin, region_fields, wants_city_refresh


class AddressForm(RegionMixin, PortalForm):
    pass


class OptionalRegionForm(PortalForm):
    province, city = region_fields(required=False)


def submit(form_class: type[PortalForm] = AddressForm, **data: str) -> PortalForm:
    form = form_class.from_form(FormData(data))
    form.validate()
    return form


def options(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', html)


# -- the data ---------------------------------------------------------------------------------


def test_there_are_34_province_level_regions_sorted_by_code() -> None:
    codes = [p.code for p in regions.provinces()]
    assert len(codes) == 34
    assert codes == sorted(codes)
    assert {"110000", "440000", "710000", "810000", "820000"} <= set(codes)


def test_every_city_belongs_to_its_province_by_code() -> None:
    for province in regions.provinces():
        assert province.cities, province
        assert [c.code for c in province.cities] == sorted(c.code for c in province.cities)
        for city in province.cities:
            assert re.fullmatch(r"\d{6}", city.code)
            assert city.code[:2] == province.code[:2], city
            assert city.province_code == province.code


def test_every_name_is_there_in_both_languages() -> None:
    for region in [*regions.provinces(), *(c for p in regions.provinces() for c in p.cities)]:
        assert re.search(r"[\u4e00-\u9fff]", region.zh), region
        assert re.fullmatch(r"[A-Z][A-Za-z' ü-]+", region.en), region


def test_a_municipality_is_its_own_one_city() -> None:
    for code in ("110000", "120000", "310000", "500000"):
        (only,) = regions.cities(code)
        assert (only.zh, only.en) == (regions.province(code).zh, regions.province(code).en)
    beijing = regions.cities("110000")[0]
    assert (beijing.code, beijing.zh, beijing.en) == ("110100", "北京市", "Beijing")


def test_hong_kong_macao_and_taiwan_have_one_city_each() -> None:
    for code, english in (("810000", "Hong Kong"), ("820000", "Macao"), ("710000", "Taiwan")):
        (only,) = regions.cities(code)
        assert only.en == english


def test_county_level_cities_under_a_province_are_its_cities() -> None:
    hainan = {c.zh for c in regions.cities("460000")}
    assert {"海口市", "三亚市", "五指山市", "琼海市"} <= hainan
    assert "仙桃市" in {c.zh for c in regions.cities("420000")}
    assert "济源市" in {c.zh for c in regions.cities("410000")}
    assert not any("直辖" in c.zh for p in regions.provinces() for c in p.cities)


def test_well_known_codes_and_english_names() -> None:
    shenzhen = regions.city("440300")
    assert (shenzhen.zh, shenzhen.en, shenzhen.province_code) == ("深圳市", "Shenzhen", "440000")
    assert regions.city("222400").en == "Yanbian Korean Autonomous Prefecture"
    assert regions.city("540100").en == "Lhasa"
    assert regions.province("540000").en == "Xizang"


def test_names_follow_the_language() -> None:
    shenzhen = regions.city("440300")
    assert shenzhen.name("zh_Hans") == "深圳市"
    assert shenzhen.name("en") == "Shenzhen"
    with i18n.use_locale("zh_Hans"):
        assert shenzhen.name() == "深圳市"
        assert regions.place("440300") == "广东省深圳市"
        assert regions.place("110100") == "北京市"
    assert regions.place("440300") == "Shenzhen, Guangdong"
    assert regions.place("999999") == ""


def test_lookups_of_unknown_codes_answer_nothing() -> None:
    for code in (None, "", "440301", "abc", "44030"):
        assert regions.city(code) is None
        assert regions.province(code) is None
        assert regions.cities(code) == ()
        assert regions.city_choices(code) == ()
    assert regions.is_city_of("440300", "440000")
    assert not regions.is_city_of("440300", "450000")
    assert not regions.is_city_of("440000", "440000")


def test_the_source_is_recorded_beside_the_data() -> None:
    readme = (regions.DATA_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert regions.SOURCE.package in readme
    assert regions.SOURCE.version in readme


# -- the form fields --------------------------------------------------------------------------


def test_a_city_of_the_chosen_province_is_accepted() -> None:
    form = submit(province="440000", city="440300")
    assert form.errors == {}
    assert (form.province.data, form.city.data) == ("440000", "440300")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"province": "Choose a province."}),
        ({"province": "", "city": ""}, {"province": "Choose a province."}),
        ({"province": "440000", "city": ""}, {"city": "Choose a city."}),
        (
            {"province": "440000", "city": "450100"},
            {"city": "Choose a city of the province you chose."},
        ),
        (
            {"province": "440000", "city": "440399"},
            {"city": "Choose a city of the province you chose."},
        ),
        (
            {"province": "990000", "city": "440300"},
            {"province": "Choose a province from the list."},
        ),
        ({"province": "广东", "city": "深圳"}, {"province": "Choose a province from the list."}),
    ],
)
def test_wrong_choices_are_rejected_with_a_message_beside_the_field(
    data: dict[str, str], errors: dict[str, str]
) -> None:
    assert submit(**data).first_errors() == errors


def test_messages_are_in_the_current_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "raw_gettext", lambda message: f"[zh] {message}")
    monkeypatch.setattr(i18n, "gettext", lambda message, **_: f"[zh] {message}")
    assert submit(province="440000", city="450100").first_errors() == {
        "city": "[zh] Choose a city of the province you chose."
    }


def test_optional_region_fields_take_both_or_neither() -> None:
    assert submit(OptionalRegionForm).errors == {}
    assert submit(OptionalRegionForm, province="440000", city="440300").errors == {}
    assert submit(OptionalRegionForm, city="440300").first_errors() == {
        "province": "Choose a province."
    }
    assert submit(OptionalRegionForm, province="440000").first_errors() == {
        "city": "Choose a city."
    }


def test_the_show_cities_button_asks_for_a_refresh() -> None:
    assert wants_city_refresh(FormData({"province": "460000", "refresh_regions": "1"}))
    assert not wants_city_refresh(FormData({"province": "460000", "city": "460200"}))


# -- the picker -------------------------------------------------------------------------------


def render_picker(app: Any, form: PortalForm, locale: str = "en") -> str:
    env = app.state.templates.env
    source = '{% from "forms/_regions.html" import region_picker %}{{ region_picker(form) }}'
    with i18n.use_locale(locale):
        return env.from_string(source).render(form=form)


def test_the_picker_shows_the_chosen_provinces_cities_and_the_errors(app: Any) -> None:
    html = render_picker(app, submit(province="460000", city="450100"))
    assert '<option value="460000" selected>Hainan</option>' in html
    assert ("469001", "Wuzhishan") in options(html)
    assert ("450100", "Nanning") not in options(html)  # another province's city is not offered
    assert 'id="city-error"' in html
    assert "Choose a city of the province you chose." in html
    assert 'aria-describedby="city-error"' in html
    for attribute in (
        'hx-get="/regions/cities"',
        'hx-trigger="change"',
        'hx-target="#city-field"',
        'hx-swap="outerHTML"',
    ):
        assert attribute in html
    assert 'id="city-field"' in html
    assert 'name="refresh_regions"' in html


def test_without_javascript_show_cities_re_renders_the_province_cities(app: Any) -> None:
    data = FormData({"province": "460000", "city": "", "refresh_regions": "1"})
    form = AddressForm.from_form(data)  # the owning route does not validate on a refresh
    assert wants_city_refresh(data)
    html = render_picker(app, form, "zh_Hans")
    assert ("460200", "三亚市") in options(html)
    assert 'class="field__error"' not in html


def test_a_municipality_comes_with_its_city_chosen(app: Any) -> None:
    html = render_picker(app, AddressForm(data={"province": "110000"}))
    assert '<option value="110100" selected>Beijing</option>' in html


# -- GET /regions/cities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "cookie", "shenzhen"),
    [
        ({"Accept-Language": "en-GB,en"}, None, "Shenzhen"),
        ({"Accept-Language": "zh-CN,zh;q=0.9"}, None, "深圳市"),
        ({"Accept-Language": "en-GB,en"}, "zh_Hans", "深圳市"),
    ],
)
def test_the_route_returns_the_province_cities_in_the_reader_language(
    client: TestClient, headers: dict[str, str], cookie: str | None, shenzhen: str
) -> None:
    if cookie:
        client.cookies.set(i18n.LANGUAGE_COOKIE, cookie)
    response = client.get(
        "/regions/cities", params={"province": "440000"}, headers={**headers, "HX-Request": "true"}
    )
    assert response.status_code == 200
    found = options(response.text)
    assert found[0][0] == ""  # the placeholder first
    assert ("440300", shenzhen) in found
    assert all(code.startswith("44") for code, _ in found[1:])
    assert len(found) == 1 + len(regions.cities("440000"))
    assert 'id="city-field"' in response.text
    assert 'name="city"' in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize("province", ["", "999999", "44", "<script>", "广东省", "4" * 5000])
def test_an_unknown_province_gets_an_empty_city_list(client: TestClient, province: str) -> None:
    response = client.get("/regions/cities", params={"province": province})
    assert response.status_code in (200, 400)
    assert options(response.text) == [("", "Choose a province first")]
    assert "<script>" not in response.text


def test_the_route_without_a_province_at_all(client: TestClient) -> None:
    response = client.get("/regions/cities")
    assert response.status_code == 200
    assert options(response.text) == [("", "Choose a province first")]
