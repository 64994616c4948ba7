"""The pure parts of politeness and safety: bot-wall markers, Retry-After, backoff, and the
private hosts a source may list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.common.netpolicy import parse_host_port
from crawler.config import Source
from crawler.fetch.botwalls import WALL_MARKERS, wall_reason
from crawler.fetch.retries import backoff_seconds, parse_retry_after

RECAPTCHA = '<script src="https://www.google.com/recaptcha/api.js" async defer></script>'


def page(title: str, body: str, head: str = "") -> bytes:
    return (f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>").encode()


@pytest.mark.parametrize("status", [403, 429, 503])
def test_wall_statuses_are_walls_whatever_the_page(status):
    assert wall_reason(status, page("Anuncio", "<p>texto</p>")) == f"http_{status}"


@pytest.mark.parametrize(
    ("title", "body", "reason"),
    [
        ("Just a moment...", "<script>window._cf_chl_opt={}</script>", "cloudflare"),
        ("Attention Required! | Cloudflare", "<h1>blocked</h1>", "cloudflare"),
        ("Access to this page has been denied", '<div id="px-captcha"></div>', "perimeterx"),
        ("Pardon Our Interruption", "<p>...</p>", "distil"),
        ("Are you a robot?", "<p>...</p>", "captcha"),
        ("Verify you are human", "<p>...</p>", "captcha"),
        (
            "Anuncios",
            '<iframe src="https://geo.captcha-delivery.com/captcha/?initialCid=x"></iframe>',
            "datadome",
        ),
        ("Comprobación", '<form id="captcha-form"><input name="c"></form>', "captcha"),
    ],
)
def test_challenge_pages_are_recognised_by_their_structure(title, body, reason):
    assert wall_reason(200, page(title, body)) == reason


def test_a_captcha_widget_alone_on_a_page_is_a_wall():
    body = '<div class="g-recaptcha" data-sitekey="k"></div><button>Continuar</button>'
    assert wall_reason(200, page("Anuncios", body, head=RECAPTCHA)) == "captcha"


def test_an_ad_with_a_captcha_on_its_contact_form_is_not_a_wall():
    text = "Se alquila habitación amueblada cerca del centro, con baño privado. " * 40
    body = (
        f"<h1>Habitación</h1><p>{text}</p><p>Resuelva el captcha para escribir.</p>"
        '<form id="contact"><div class="g-recaptcha" data-sitekey="k"></div></form>'
    )
    assert wall_reason(200, page("Habitación en Asunción", body, head=RECAPTCHA)) is None


def test_an_ad_that_talks_about_captchas_and_robots_is_not_a_wall():
    body = (
        "<h1>Trabajo: resolver captcha desde casa</h1><p>Are you a robot? Verify you are "
        "human. Just a moment... Access denied to nobody.</p>"
    )
    assert wall_reason(200, page("Trabajo desde casa: captcha", body)) is None


def test_every_marker_is_a_valid_pattern_with_a_reason():
    assert all(m.reason and m.pattern for m in WALL_MARKERS)


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(b" 5 ") == 5.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None and parse_retry_after(None) is None


def test_backoff_doubles_up_to_its_cap():
    assert [backoff_seconds(n, 1.0, 5.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]


def test_a_source_may_allow_only_its_own_private_hosts():
    def source(allow):
        return Source(
            name="s", kind="job", start_urls=["http://127.0.0.1:8765/"], allow_private_network=allow
        )

    assert source(["127.0.0.1:8765", "intranet"]).allow_private_network == [
        "127.0.0.1:8765",
        "intranet",
    ]
    assert source(True).allow_private_network is True
    for bad in (["127.0.0.1:notaport"], ["http://x/"], [""]):
        with pytest.raises(ValueError, match="not a host or host:port"):
            source(bad)
    assert parse_host_port("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_host_port("Intranet") == ("intranet", None)
    assert parse_host_port("[::1]:80") == ("::1", 80)
