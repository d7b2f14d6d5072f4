"""Policy updates as a signed-in customer meets them: the banner, "I have read it" (htmx and a
plain form), the combined diff for a reader who skipped versions, and announced versions."""

from __future__ import annotations

from portal.policy.library import PolicyLibrary
from portal.privacy.models import ConsentRecord
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse
from tests.support.policy_updates import acknowledge, ledger, log_in, signed_in, standing
from tests.support.records import run

HTMX = {"HX-Request": "true"}


def banner_forms(response) -> list:
    return [f for f in parse(response.text).forms if f.action.endswith("/acknowledge")]


def htmx_acknowledge(client, version: str):
    token = csrf_token(client.get("/account"))
    return client.post(
        f"/policy/{version}/acknowledge",
        data={"next": "/account"},
        headers={**HTMX, "X-CSRF-Token": token},
    )


def test_a_newer_version_in_force_shows_a_banner_on_every_page(open_site, minor_update):
    site = open_site(minor_update)
    signed_in(site, consented_to="1.1")
    for path in ("/", "/account", "/policy", "/policy/changes", "/cookies", "/account/consents"):
        response = site.client.get(path)
        assert response.status_code == 200, path
        assert standing(response).pending.version == "1.2", path
        assert standing(response).needs_consent is False
        document = parse(response.text)
        assert "policy-banner" in document.ids, path
        assert "We reply within fifteen working days." in response.text
        assert "/policy/1.2/changes" in document.links  # 1.1 is the version just before
        (form,) = banner_forms(response)
        assert form.action == "/policy/1.2/acknowledge"
        assert form.fields["next"] == path
    html = site.client.get("/account").text
    assert 'hx-post="/policy/1.2/acknowledge"' in html
    assert 'hx-target="#policy-banner"' in html
    assert 'hx-swap="outerHTML"' in html


def test_visitors_who_are_not_signed_in_see_no_banner(open_site, minor_update):
    site = open_site(minor_update)
    response = site.client.get("/")
    assert response.context["policy_standing"] is None
    assert "policy-banner" not in parse(response.text).ids


def test_the_banner_speaks_the_users_language(open_site, minor_update):
    site = open_site(minor_update)
    signed_in(site, consented_to="1.1", locale="zh_Hans")
    response = site.client.get("/account", headers={"Accept-Language": "en"})
    assert parse(response.text).html_lang == "zh-Hans"
    assert "我们将在十五个工作日内答复。" in response.text
    assert "We reply within fifteen working days." not in response.text


def test_i_have_read_it_without_javascript_records_it_and_goes_back(open_site, minor_update):
    site = open_site(minor_update)
    user = signed_in(site, consented_to="1.1")
    response = acknowledge(site.client, "1.2", next="/cookies")
    assert response.status_code == 303
    assert response.headers["location"] == "/cookies"
    records = [(r.user_id, r.kind, r.policy_version, r.language, r.channel) for r in ledger(site)]
    assert records == [
        (user.id, "policy_consent", "1.1", "en", "website"),
        (user.id, "policy_acknowledgment", "1.2", "en", "website"),
    ]
    assert ledger(site)[-1].occurred_at is not None
    # The next thing to say: 1.3 is announced.
    after = site.client.get("/cookies")
    assert standing(after).pending is None
    assert standing(after).upcoming.version == "1.3"
    assert "Updates are announced by email." in after.text


def test_i_have_read_it_with_htmx_answers_with_the_next_banner_then_nothing(
    open_site, minor_update
):
    site = open_site(minor_update)
    signed_in(site, consented_to="1.1")
    first = htmx_acknowledge(site.client, "1.2")
    assert first.status_code == 200
    assert first.template.name == "privacy/_policy_banner.html"
    assert standing(first).upcoming.version == "1.3"
    assert first.text.lstrip().startswith('<aside id="policy-banner"')
    (form,) = banner_forms(first)
    assert (form.action, form.fields["next"]) == ("/policy/1.3/acknowledge", "/account")
    # 1.3 is not in force yet: reading it now is recorded, and the notice goes.
    second = htmx_acknowledge(site.client, "1.3")
    assert second.status_code == 200
    assert second.text.strip() == ""
    assert [r.policy_version for r in ledger(site)] == ["1.1", "1.2", "1.3"]
    assert standing(site.client.get("/account")).shown is None


def test_the_banner_stays_until_acknowledged_on_every_device(open_site, minor_update):
    site = open_site(minor_update)
    phone = site.device()
    signed_in(site, consented_to="1.1")
    log_in(phone)
    assert standing(phone.get("/account")).pending.version == "1.2"
    assert standing(site.client.get("/account")).pending.version == "1.2"
    acknowledge(site.client, "1.2")
    assert standing(phone.get("/account")).pending is None


def test_a_second_click_a_stale_form_or_a_wrong_version_records_nothing(open_site, minor_update):
    site = open_site(minor_update)
    signed_in(site, consented_to="1.1")
    # 1.3 is not what the banner shows while 1.2 waits.
    assert acknowledge(site.client, "1.3").status_code == 303
    assert acknowledge(site.client, "1.2").status_code == 303
    assert acknowledge(site.client, "1.2").status_code == 303  # the same form, sent twice
    assert [r.policy_version for r in ledger(site)] == ["1.1", "1.2"]
    assert acknowledge(site.client, "9.9").status_code == 404
    assert acknowledge(site.client, "1.2", next="https://evil.example/").headers["location"] == "/"
    assert acknowledge(site.client, "1.2", token="").status_code == 403


def test_acknowledging_needs_a_signed_in_user(open_site, minor_update):
    site = open_site(minor_update)
    response = post_form(site.client, "/policy/1.2/acknowledge", {"next": "/policy"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/policy"
    token = csrf_token(site.client.get("/"))
    htmx = site.client.post(
        "/policy/1.2/acknowledge",
        headers={**HTMX, "X-CSRF-Token": token},
        data={"next": "/policy"},
    )
    # htmx follows HX-Redirect to the login page, which comes back to the page of the banner.
    assert (htmx.status_code, htmx.headers["HX-Redirect"]) == (204, "/login?next=/policy")
    assert ledger(site) == []


def test_a_new_customer_agreed_to_the_version_in_force_and_hears_of_the_next(
    open_site, minor_update
):
    site = open_site(minor_update)
    signed_in(site, consented_to="1.2")
    response = site.client.get("/account")
    assert standing(response).pending is None
    assert standing(response).upcoming.version == "1.3"
    assert "/policy/1.3/changes" in parse(response.text).links


# -- the diff from the user's own version ---------------------------------------------------


def test_a_reader_who_skipped_a_version_is_shown_every_change_since(open_site, minor_update):
    site = open_site(minor_update)
    signed_in(site, consented_to="1.0")
    account = site.client.get("/account")
    assert standing(account).changes_url == "/policy/1.2/changes?since=1.0"
    assert "/policy/1.2/changes?since=1.0" in parse(account.text).links


# -- the standing is cached only while it cannot change -------------------------------------


def test_an_acknowledgment_recorded_by_another_process_ends_the_cached_banner(
    open_site, minor_update
):
    # Two uvicorn workers, or the WeChat Mini Program's API: the ledger row is written by a
    # process whose cache this one cannot see. The next page here must not show the banner.
    site = open_site(minor_update)
    user = signed_in(site, consented_to="1.1")
    assert standing(site.client.get("/account")).pending.version == "1.2"
    assert standing(site.client.get("/account")).pending.version == "1.2"  # cached now

    async def elsewhere(session):
        session.add(
            ConsentRecord(
                user_id=user.id,
                kind="policy_acknowledgment",
                policy_version="1.2",
                language="en",
                channel="mini_program",
            )
        )
        await session.commit()

    run(site.settings, elsewhere)
    response = site.client.get("/account")
    assert standing(response).pending is None
    assert standing(response).acknowledged.version == "1.2"
    assert "/policy/1.2/acknowledge" not in response.text


def test_publishing_a_new_version_brings_the_banner_back(open_site, material_update, minor_update):
    site = open_site(material_update)
    signed_in(site, consented_to="1.2")
    assert standing(site.client.get("/account")).shown is None
    assert standing(site.client.get("/account")).shown is None  # now from the cache
    # A deployment publishes 1.3 (announced): the cached answer no longer holds.
    site.app.state.policy = PolicyLibrary(minor_update.public)
    assert standing(site.client.get("/account")).upcoming.version == "1.3"
