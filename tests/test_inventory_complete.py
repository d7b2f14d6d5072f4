"""The data inventory is the one source of truth: every stored personal field is in it and on the
user's page "What we hold on you".

``portal.profile.my_data.columns`` names every column of every table, either as personal (with
the inventory key it is listed and shown under) or as not personal (with the reason). These tests
fail for a column in neither, for a key the inventory lacks, and for a personal column that the
page does not show for a user who filled in everything.
"""

from __future__ import annotations

import html
from typing import Any

import pytest

from portal.models import metadata
from portal.profile.my_data.columns import NOT_PERSONAL, PERSONAL_COLUMNS
from portal.profile.my_data.services import site_inventory
from tests.support.accounts import register
from tests.support.inventory import fill_everything, user_by_email

URL = "/account/privacy/my-data"
ADVICE = (
    "decide its place in site/portal/profile/my_data/columns.py: PERSONAL_COLUMNS with the "
    "content/inventory.toml key it is listed under (add the field to the inventory in both "
    "languages, and show it in profile/my_data), or NOT_PERSONAL with the reason it says nothing "
    "about a person"
)

# -- every column has its place ------------------------------------------------------------


def all_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name) for table in metadata.tables.values() for column in table.columns
    }


def test_every_stored_column_is_either_personal_or_explained() -> None:
    undecided = sorted(all_columns() - PERSONAL_COLUMNS.keys() - NOT_PERSONAL.keys())
    assert not undecided, "\n".join(f"{t}.{c}: {ADVICE}" for t, c in undecided)


def test_a_column_is_personal_or_not_never_both_and_exists() -> None:
    both = PERSONAL_COLUMNS.keys() & NOT_PERSONAL.keys()
    assert not both, f"named as personal and as not personal: {sorted(both)}"
    gone = sorted((PERSONAL_COLUMNS.keys() | NOT_PERSONAL.keys()) - all_columns())
    assert not gone, f"no such column any more, remove it from columns.py: {gone}"
    assert all(reason.strip() for reason in NOT_PERSONAL.values())


def test_every_personal_column_is_listed_in_the_inventory() -> None:
    inventory = site_inventory()
    missing = []
    for (table, column), target in sorted(PERSONAL_COLUMNS.items()):
        scenario_id, _, key = target.partition(".")
        scenario = inventory.scenario(scenario_id)
        if scenario is None or scenario.field(key) is None:
            missing.append(f"{table}.{column} -> {target}")
    assert not missing, (
        "these columns point at no field of content/inventory.toml: add the field (both "
        "languages; `python build.py check`) or correct the key:\n" + "\n".join(missing)
    )


# -- and is on the page ----------------------------------------------------------------------


@pytest.fixture
def full_page(client, settings, database_url) -> Any:
    assert register(client).status_code == 303
    fill_everything(settings, user_by_email(settings).id)
    response = client.get(URL)
    assert response.status_code == 200
    return response


def test_the_page_shows_every_personal_column_of_a_user_who_filled_in_everything(full_page):
    data = full_page.context["data"]
    text = full_page.text
    missing = []
    for (table, column), key in sorted(PERSONAL_COLUMNS.items()):
        place = f"{table}.{column}"
        shown = [
            item
            for item in data.items()
            if place in item.columns and item.key == key and item.value
        ]
        if not shown:
            missing.append(f"{place} ({key}): no item with a value on the page")
        elif not any(
            f'data-field="{key}"' in text and html.escape(item.value, quote=False) in text
            for item in shown
        ):
            missing.append(f"{place} ({key}): in the page's data but not in its HTML")
    assert not missing, (
        "show these on /account/privacy/my-data (site/portal/profile/my_data):\n"
        + "\n".join(missing)
    )


def test_every_scenario_of_the_inventory_is_a_section_of_the_page(full_page):
    inventory = site_inventory()
    sections = full_page.context["data"].sections
    assert [s.id for s in sections] == [s.id for s in inventory.scenarios]
    for section in sections:
        assert f'data-scenario="{section.id}"' in full_page.text
