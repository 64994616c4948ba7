"""The digest builder: a pure function from alerts to an EmailMessage (text + HTML)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from PIL import Image, ImageStat

from alerts.digest import DigestOptions, build_digest, digest_subject, safe_href, thumbnail
from alerts.ledger import Alert

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BODY = (
    "Empresa seria busca personal para Europa. Ofrecemos visa pagada y pasaje. "
    "No se necesita experiencia. Retenemos el pasaporte durante el contrato por seguridad."
)


def photo(size=(320, 240)) -> bytes:
    """A sharp checkerboard: blurring it flattens its pixel values."""
    img = Image.new("RGB", size, "white")
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            if (x // 8 + y // 8) % 2:
                img.paste((0, 0, 0), (x, y, x + 8, y + 8))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def make_ad(ad_id="ad1", title="Trabajo en Europa", url=None, **extra) -> dict:
    return {
        "id": ad_id,
        "source": "demo-jobs",
        "kind": "job",
        "url": url or f"https://ads.example.org/{ad_id}",
        "title": title,
        "body": BODY,
        "price": 2500.0,
        "currency": "EUR",
        "price_period": "month",
        "posted_at": "2026-10-30",
        "location": "Madrid",
        "phones": ["+34600111222"],
        "whatsapp": ["+34600333444"],
        "image_urls": [f"https://img.example.org/{ad_id}.jpg"],
        "risk_score": 80.0,
        **extra,
    }


def rule_alert(ad: dict, rule="passport", severity="critical", words=("Retenemos el pasaporte",)):
    terms = [
        {"term": w.lower(), "field": "body", "start": s, "end": e, "text": ad["body"][s:e]}
        for w in words
        for s, e in [span(ad["body"], w)]
    ]
    return Alert(
        key=f"{rule}|ad:{ad['id']}",
        rule=rule,
        kind="rule",
        severity=severity,
        ad_id=ad["id"],
        cluster=f"ad:{ad['id']}",
        recipients=["labour-team"],
        created_at=NOW.isoformat(),
        detail={"name": f"Rule {rule}", "score": 1.0, "terms": terms, "ad": ad},
        id=1,
    )


def build(alerts, **options):
    images = options.pop("images", None)
    return build_digest(
        alerts,
        group="labour-team",
        addresses=["labour@example.org", "case@example.org"],
        digest_id="20261101T120000Z-labour-team-abcd",
        options=DigestOptions(mail_from="adwatch <alerts@ngo.example.org>", **options),
        images=images,
        now=NOW,
    )


def parts(msg):
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return text, html


def test_subject_says_how_many_and_how_severe():
    a, b = make_ad("a"), make_ad("b")
    alerts = [
        rule_alert(a),
        rule_alert(a, "visa", "high", ("visa pagada",)),
        rule_alert(b, "visa", "high", ("visa pagada",)),
    ]
    assert digest_subject(alerts, "labour-team") == (
        "[adwatch] 3 alerts on 2 ads: 1 critical, 2 high (labour-team)"
    )
    assert digest_subject(alerts[:1], "x") == "[adwatch] 1 alert on 1 ad: 1 critical (x)"


def test_digest_has_text_and_html_with_the_evidence_in_context():
    ad = make_ad()
    msg = build([rule_alert(ad, words=("visa pagada", "Retenemos el pasaporte"))])
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == "labour@example.org, case@example.org"
    assert msg["From"] == "adwatch <alerts@ngo.example.org>"
    assert msg["X-Adwatch-Digest"] == "20261101T120000Z-labour-team-abcd"
    assert re.fullmatch(r"<.+@ngo\.example\.org>", msg["Message-ID"])
    text, html = parts(msg)
    for part in (text, html):
        assert "Trabajo en Europa" in part and "demo-jobs" in part and "2026-10-30" in part
        assert "2,500 EUR / month" in part and "+34600111222" in part and "+34600333444" in part
        assert "https://ads.example.org/ad1" in part
    assert "Ofrecemos *visa pagada* y pasaje" in text
    assert "*Retenemos el pasaporte* durante" in text
    assert "<mark>visa pagada</mark>" in html and "<mark>Retenemos el pasaporte</mark>" in html
    assert '<a href="https://ads.example.org/ad1"' in html
    assert "kibana" not in html.lower()


def test_ad_content_arrives_inert():
    ad = make_ad(
        title='<script>alert("x")</script><img src=x onerror=alert(1)>',
        url="javascript:alert(document.cookie)",
        body='Ven <b onclick="steal()">ya</b>. ' + BODY,
        location="<iframe src=//evil>",
    )
    ad["phones"] = ["<svg/onload=alert(1)>"]
    msg = build([rule_alert(ad)], kibana_url="https://kibana.example.org")
    text, html = parts(msg)
    assert "<script" not in html and "<img src=x" not in html and "<iframe" not in html
    assert "<svg" not in html and "onclick=" not in html.replace("onclick=&#34;", "")
    assert "&lt;script&gt;" in html and "&lt;iframe src=//evil&gt;" in html
    assert 'href="javascript:' not in html
    assert not re.search(r'href="(?!https?://)', html)
    assert "javascript:alert" not in text  # the plain part withholds it too
    # the Kibana link still points at the ad
    assert 'href="https://kibana.example.org/app/discover#/' in html
    assert "Kibana:   https://kibana.example.org/app/discover#/" in text
    # and no ad content reaches a header
    assert "script" not in str(msg["Subject"])


def test_header_injection_through_ad_content_is_impossible():
    ad = make_ad(title="Oferta\r\nBcc: victim@example.org\r\n")
    msg = build([rule_alert(ad)])
    raw = msg.as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    assert b"victim@example.org" not in headers
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://example.org/a?b=1", True),
        ("HTTP://EXAMPLE.ORG/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:msgbox", False),
        ("//evil.example.org/", False),
        ('https://example.org/"onmouseover="x', False),
        ("https://exa\nmple.org/", False),
        (None, False),
    ],
)
def test_only_http_links_become_links(url, safe):
    assert (safe_href(url) is not None) is safe


def test_thumbnails_are_inline_related_images_blurred_by_default():
    ad = make_ad()
    images = {ad["image_urls"][0]: photo()}
    msg = build([rule_alert(ad)], images=images)
    related = msg.get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/jpeg"
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()
    assert "(blurred)" in html_part.get_content()
    blurred = Image.open(io.BytesIO(image.get_content()))
    assert max(blurred.size) <= 200

    sharp_msg = build([rule_alert(ad)], images=images, blur_thumbnails=False)
    sharp = Image.open(io.BytesIO(sharp_msg.get_payload()[1].get_payload()[1].get_content()))
    assert (
        ImageStat.Stat(blurred.convert("L")).stddev[0]
        < 0.5 * (ImageStat.Stat(sharp.convert("L")).stddev[0])
    )
    assert "(blurred)" not in sharp_msg.get_body(("html",)).get_content()


def test_missing_or_broken_photos_are_left_out():
    ad = make_ad()
    for images in ({}, {ad["image_urls"][0]: b"<html>not an image</html>"}):
        msg = build([rule_alert(ad)], images=images)
        assert not [p for p in msg.walk() if p.get_content_maintype() == "image"]
        assert "cid:" not in msg.get_body(("html",)).get_content()


def test_thumbnail_is_re_encoded_and_small():
    data, width, height = thumbnail(photo((1600, 1200)), blur=False, size=200)
    assert (width, height) == (200, 150) and data[:3] == b"\xff\xd8\xff"
    assert thumbnail(b"GIF89a broken", blur=True) is None


def test_entity_alerts_explain_the_phone():
    ad = {"id": "p2", "url": "https://ads.example.org/p2", "title": "Masajes", "source": "s"}
    alert = Alert(
        "phone-new-city|+1|luque",
        "phone-new-city",
        "entity",
        "medium",
        "p2",
        "+595981000001",
        ["labour-team"],
        NOW.isoformat(),
        {"name": "Phone number seen in a new city", "phone": "+595981000001", "city": "Luque",
         "before": ["Asunción"], "ad": ad},
    )  # fmt: skip
    text, html = parts(build([alert]))
    assert "+595981000001 is now in Luque; seen before in Asunción" in text
    assert "Phone number seen in a new city" in html


def test_ads_are_ordered_by_severity():
    low = rule_alert(make_ad("low-ad", title="Low one"), "many", "low", ("visa pagada",))
    crit = rule_alert(make_ad("crit-ad", title="Critical one"))
    text, _ = parts(build([low, crit]))
    assert text.index("Critical one") < text.index("Low one")


def test_a_digest_needs_alerts():
    with pytest.raises(ValueError):
        build([])
