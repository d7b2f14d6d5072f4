"""``/policy/<version>/changes?since=<older>``: every change since the version a reader last saw,
diffed at request time from the two versions' Markdown (the policy-update banner links here)."""

from __future__ import annotations

from portal.policy import compare
from tests.support.html import parse


def test_every_change_since_an_older_version(open_site, minor_update):
    site = open_site(minor_update)
    response = site.client.get("/policy/1.2/changes?since=1.0")
    assert response.status_code == 200
    assert response.template.name == "policy/diff.html"
    context = response.context
    assert (context["previous"].version, context["info"].version) == ("1.0", "1.2")
    assert [v.version for v in context["steps"]] == ["1.1", "1.2"]
    document = parse(response.text)
    inserted, deleted = " ".join(document.inserted), " ".join(document.deleted)
    assert "fifteen" in inserted  # 1.1 -> 1.2
    assert "xometry" in inserted  # 1.0 -> 1.1
    assert "xomery" in deleted


def test_the_combined_diff_is_in_the_readers_language(open_site, minor_update):
    site = open_site(minor_update)
    response = site.client.get(
        "/policy/1.2/changes?since=1.0", headers={"Accept-Language": "zh-CN"}
    )
    assert parse(response.text).html_lang == "zh-Hans"
    assert "十五" in " ".join(parse(response.text).inserted)


def test_since_the_version_just_before_is_the_built_diff(open_site, minor_update):
    site = open_site(minor_update)
    plain = site.client.get("/policy/1.2/changes")
    since = site.client.get("/policy/1.2/changes?since=1.1")
    assert since.status_code == 200
    assert since.context["previous"].version == "1.1"
    assert since.context["changes"] == plain.context["changes"]
    assert [v.version for v in since.context["steps"]] == ["1.2"]


def test_a_bad_since_is_not_found(open_site, minor_update):
    site = open_site(minor_update)
    for since in ("9.9", "1.2", "1.3", "", "../1.0", "1.0%00"):
        response = site.client.get(f"/policy/1.2/changes?since={since}")
        assert response.status_code == 404, since
        assert response.template.name == "errors/error.html"


def test_the_combined_diff_is_computed_once(app, settings, minor_update):
    env = app.state.templates.env
    first = compare.combined_changes(env, minor_update.content, "1.0", "1.2", "en")
    again = compare.combined_changes(env, minor_update.content, "1.0", "1.2", "en")
    assert first is again
    assert compare.combined_changes(env, minor_update.content, "1.0", "7.0", "en") is None
