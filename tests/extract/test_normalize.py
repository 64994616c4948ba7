"""RawAd -> Ad: text, URLs, contacts, prices, dates and language, one behaviour per test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract.contacts import extract_emails, extract_handles
from crawler.extract.dates import parse_posted
from crawler.extract.language import detect_language
from crawler.extract.normalize import normalize_ad
from crawler.extract.phones import extract_phones, extract_whatsapp
from crawler.extract.prices import parse_price
from crawler.extract.text import clean_text
from crawler.extract.urls import ad_id, canonical_url
from crawler.items import Ad, RawAd

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PY_MOBILE = "+595981234567"


# --- clean_text ---------------------------------------------------------------------------


def test_clean_text_strips_tags_and_keeps_paragraphs_as_newlines():
    html = "<div><p>Hola &amp; bienvenidas</p><p>Segunda   línea<br>tercera</p></div>"
    assert clean_text(html) == "Hola & bienvenidas\nSegunda línea\ntercera"


def test_clean_text_drops_scripts_styles_and_blank_lines():
    html = "<p>uno</p><script>var x = 1;</script><style>p{}</style>\n\n\n<p> dos </p>"
    assert clean_text(html) == "uno\ndos"


def test_clean_text_decodes_entities_in_plain_text_and_collapses_spaces():
    assert (
        clean_text("  plain &lt;b&gt; text\r\n\r\n\n  more\t\ttext ") == "plain <b> text\nmore text"
    )


def test_clean_text_normalizes_to_nfc_and_removes_invisible_characters():
    assert clean_text("Asunci\u006f\u0301n\u200b\x00") == "Asunción"


def test_clean_text_leaves_lone_angle_brackets_alone():
    assert clean_text("precio < 100 y > 50") == "precio < 100 y > 50"


@pytest.mark.parametrize("value", [None, "", "   ", 42.0, b"\xff\xfe<b>x</b>", ["a", None]])
def test_clean_text_never_raises_on_odd_input(value):
    assert isinstance(clean_text(value), str)


# --- URLs and ids -------------------------------------------------------------------------


def test_canonical_url_drops_tracking_fragment_and_default_port():
    url = "HTTP://WWW.Example.COM:80/Path/a b?utm_source=fb&b=2&a=1&fbclid=9&gclid=3&ref=home#top"
    assert canonical_url(url) == "http://www.example.com/Path/a%20b?a=1&b=2"


def test_canonical_url_keeps_the_parameters_that_name_the_ad():
    assert canonical_url("https://ex.com/ad?id=3&utm_medium=x") == "https://ex.com/ad?id=3"


@pytest.mark.parametrize("value", ["", None, "not a url"])
def test_canonical_url_never_raises(value):
    assert isinstance(canonical_url(value), str)


def test_ad_id_is_20_hex_digits_of_the_sha1_and_stable():
    first = ad_id(canonical_url("https://ex.com/ad/1?utm_source=a"))
    assert first == ad_id(canonical_url("https://EX.com/ad/1?utm_source=b#photos"))
    assert len(first) == 20 and int(first, 16) >= 0


# --- phones: formats that must decode -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("0981 234 567", "PY", PY_MOBILE),
        ("(0981) 234-567", "PY", PY_MOBILE),
        ("0981-234-567", "PY", PY_MOBILE),
        ("0981.234.567", "PY", PY_MOBILE),
        ("(11) 98765-4321", "BR", "+5511987654321"),
        ("11 98765 4321", "BR", "+5511987654321"),
        ("612 345 678", "ES", "+34612345678"),
        ("07911 123456", "GB", "+447911123456"),
        ("+595 981 234 567", "PY", PY_MOBILE),
        ("+595981234567", None, PY_MOBILE),
        ("00595 981 234 567", "PY", PY_MOBILE),
        ("00595 981 234 567", None, PY_MOBILE),
        ("0055 81 96614 5280", "BR", "+5581966145280"),
        ("+44 7911 123456", "BR", "+447911123456"),
    ],
)
def test_plain_national_and_international_numbers_are_found(text, region, expected):
    assert extract_phones(f"Llamar al {text}, gracias", region) == [expected]


@pytest.mark.parametrize(
    ("text", "region", "languages", "expected"),
    [
        ("cero nueve ocho uno dos tres cuatro cinco seis siete", "PY", ["es"], PY_MOBILE),
        ("cero nueve ocho uno - dos tres cuatro - cinco seis siete", "PY", None, PY_MOBILE),
        ("zero nove oito um dois três quatro cinco seis sete", "PY", ["pt"], PY_MOBILE),
        ("zero nove oito um dois tres quatro cinco meia sete", "PY", ["pt"], PY_MOBILE),
        ("um um nove oito sete seis cinco quatro três dois um", "BR", ["pt"], "+5511987654321"),
        ("zero seven nine one one one two three four five six", "GB", ["en"], "+447911123456"),
        ("oh seven nine one one, one two three four five six", "GB", None, "+447911123456"),
        ("o seven nine one one double one two three four five", "GB", ["en"], "+447911112345"),
        ("cero 9 ocho 1 2 3 cuatro 5 6 7", "PY", ["es"], PY_MOBILE),
        ("seis dos dos cuatro dos cuatro cuatro ocho cinco o escribir", "ES", None, "+34622424485"),
    ],
)
def test_numbers_spelled_in_words_are_decoded(text, region, languages, expected):
    assert extract_phones(f"Contacto: {text}.", region, languages) == [expected]


def test_a_digit_word_on_the_next_line_does_not_join_the_number():
    text = "Contacto: cero nueve ocho uno dos tres cuatro cinco seis siete\nO al 0971 765 432"
    assert extract_phones(text, "PY", ["es", "pt", "en"]) == [PY_MOBILE, "+595971765432"]


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("O98l 234 S67", "PY", PY_MOBILE),
        ("O98l-234-S67", "PY", PY_MOBILE),
        ("tel O98l.234.S67 ok", "PY", PY_MOBILE),
        ("OggZ 112 323", "PY", "+595992112323"),
        ("0971 IST 024", "PY", "+595971157024"),
        ("(Il) 99739-7258", "BR", "+5511997397258"),
        ("6Z3 12O T08", "ES", "+34623120708"),
        ("+595 98l 234 567", None, PY_MOBILE),
    ],
)
def test_letters_standing_for_digits_are_decoded(text, region, expected):
    assert extract_phones(f"Llamar al {text}. Gs. 1.500.000", region) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "0 9 8 1 2 3 4 5 6 7",
        "0.9.8.1.2.3.4.5.6.7",
        "0-9-8-1-2-3-4-5-6-7",
        "0\ufe0f\u20e39\ufe0f\u20e38\u20e31\ufe0f\u20e32\ufe0f\u20e33\ufe0f\u20e34\ufe0f\u20e3"
        "5\ufe0f\u20e36\ufe0f\u20e37\ufe0f\u20e3",
        "０９８１ ２３４ ５６７",
        "0981*234*567",
        "0981\u200b234\u200b567",
    ],
    ids=["spaced", "dotted", "hyphenated", "keycaps", "fullwidth", "asterisks", "zero-width"],
)
def test_spaced_dotted_emoji_and_fullwidth_digits_are_decoded(text):
    assert extract_phones(f"Llamar al {text} hoy", "PY") == [PY_MOBILE]


def test_phones_come_in_order_of_appearance_without_repeats():
    text = "Llamá al 0971 765 432 o al 0981 234 567. WhatsApp 0971-765-432"
    assert extract_phones(text, "PY") == ["+595971765432", PY_MOBILE]


def test_a_number_glued_to_unrelated_digits_is_still_found():
    assert extract_phones("Gol 1.6 2015 0981 234 567", "PY") == [PY_MOBILE]


def test_without_a_region_only_international_numbers_are_found():
    assert extract_phones("0981 234 567 o +34 612 345 678", None) == ["+34612345678"]


def test_numbers_in_ofcoms_drama_range_are_not_valid():
    # 07700 900xxx is reserved for fiction; libphonenumber rejects it.
    assert extract_phones("Call 07700 900123", "GB") == []


# --- phones: near-misses that must not become numbers -------------------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Precio Gs. 1.500.000", "PY"),
        ("Gs 2.500.000 - 3.000.000 mensual", "PY"),
        ("Precio 650000 Gs", "PY"),
        ("R$ 2.500,00", "BR"),
        ("Aluguel R$ 12.345.678", "BR"),
        ("612345678 €", "ES"),
        ("Publicado 2026-11-20", "PY"),
        ("Fecha 20.11.2026", "BR"),
        ("20/11/2026", "ES"),
        ("Ref. 912345678", "ES"),
        ("ID: 612345678", "ES"),
        ("Anuncio nº 612345678", "ES"),
        ("CPF 123.456.789-09", "BR"),
        ("Gol 1.6 2015", "BR"),
        ("Gol 1.6 2015", "ES"),
        ("Tel", "PY"),
        ("SOS BOSS", "PY"),
        ("un dos tres", "ES"),
        ("nos vemos a las 10 o 11", "ES"),
        ("I have one or two", "GB"),
        ("Modelo 2019, 45.000 km, 1.8 motor", "BR"),
    ],
)
def test_prices_dates_ids_and_words_are_not_phones(text, region):
    assert extract_phones(text, region) == []


def test_ordinary_words_next_to_a_number_are_not_decoded():
    assert extract_phones("SOS 0981 234 567 BOSS", "PY") == [PY_MOBILE]
    assert extract_phones("Tel 6l2 345 678", "ES") == ["+34612345678"]


@pytest.mark.parametrize("text", ["", None, "\x00\x01\x02" * 50, "\ud800 0981", "9" * 500])
def test_extract_phones_never_raises(text):
    assert isinstance(extract_phones(text, "PY"), list)


# --- WhatsApp -----------------------------------------------------------------------------


def test_whatsapp_numbers_are_read_from_links_in_every_form():
    hrefs = [
        "https://wa.me/595981234567",
        "https://api.whatsapp.com/send?phone=5511987654321&text=hola",
        "whatsapp://send?phone=%2B34612345678",
        "https://example.com/contact",
    ]
    assert extract_whatsapp(hrefs, "") == [PY_MOBILE, "+5511987654321", "+34612345678"]


def test_a_national_number_pasted_into_wa_me_is_read_with_the_region():
    assert extract_whatsapp(["https://wa.me/0981234567"], "", "PY") == [PY_MOBILE]


def test_whatsapp_links_and_labelled_numbers_in_text_count():
    text = "Escribime a wa.me/447911123456 o por WhatsApp: 0982 111 222. Llamadas 0971 765 432"
    assert extract_whatsapp([], text, "PY") == ["+447911123456", "+595982111222"]


# --- e-mail and handles -------------------------------------------------------------------


def test_emails_are_read_plain_obfuscated_and_from_mailto_links():
    text = (
        "Escribir a nombre [at] dominio [dot] com o nome arroba dominio ponto com.br; "
        "name (at) domain (dot) com. Real: Ana.Maria@Gmail.com."
    )
    assert extract_emails(text, ["mailto:Info@Example.org?subject=hi", "https://x.org"]) == [
        "info@example.org",
        "nombre@dominio.com",
        "nome@dominio.com.br",
        "name@domain.com",
        "ana.maria@gmail.com",
    ]


def test_the_word_at_in_a_sentence_is_no_email():
    assert extract_emails("Available at weekends.Contact me at home. Ok") == []
    assert extract_emails("write ana at gmail.com") == ["ana@gmail.com"]


def test_handles_come_from_links_and_from_the_platform_named_before_them():
    text = (
        "Telegram: @Maria_Lopez99, IG @maria.lopez. Snapchat: mariasnap. "
        "Instagram: no tengo. amigo: hola. Telegram: ana@gmail.com"
    )
    links = [
        "https://t.me/AnaPy2024",
        "https://t.me/+AbCdEfGh",
        "https://www.instagram.com/ana.py/",
        "https://www.snapchat.com/add/AnaSnap",
        "https://t.me/joinchat/xyz",
    ]
    assert extract_handles(text, links) == [
        "telegram:@anapy2024",
        "instagram:@ana.py",
        "snapchat:@anasnap",
        "telegram:@maria_lopez99",
        "instagram:@maria.lopez",
        "snapchat:@mariasnap",
    ]


def test_handles_in_links_written_in_the_text_count_once():
    assert extract_handles("Canal: t.me/Trabajo_Ya y Telegram @trabajo_ya") == [
        "telegram:@trabajo_ya"
    ]


# --- prices -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Gs. 1.500.000", "PY", (1500000.0, "PYG", None)),
        ("Gs 1.500.000 por mes", "PY", (1500000.0, "PYG", "month")),
        ("₲ 2.000.000 mensual", "PY", (2000000.0, "PYG", "month")),
        ("PYG 800.000 semanal", "PY", (800000.0, "PYG", "week")),
        ("1.600.000 Gs. al mes", "PY", (1600000.0, "PYG", "month")),
        ("1.500.000", "PY", (1500000.0, "PYG", None)),
        ("R$ 2.500,00", "BR", (2500.0, "BRL", None)),
        ("R$ 1.200 por mês", "BR", (1200.0, "BRL", "month")),
        ("R$ 1.500,00/mês", "BR", (1500.0, "BRL", "month")),
        ("R$ 80/hora", "BR", (80.0, "BRL", "hour")),
        ("R$ 3 mil mensais", "BR", (3000.0, "BRL", "month")),
        ("R$ 150 a diária", "BR", (150.0, "BRL", "day")),
        ("1.200 €/mes", "ES", (1200.0, "EUR", "month")),
        ("9,50 €/hora", "ES", (9.5, "EUR", "hour")),
        ("85 euros el día", "ES", (85.0, "EUR", "day")),
        ("24.000 € brutos al año", "ES", (24000.0, "EUR", "year")),
        ("£12.50 per hour", "GB", (12.5, "GBP", "hour")),
        ("£450 pcm", "GB", (450.0, "GBP", "month")),
        ("£1,250 a month", "GB", (1250.0, "GBP", "month")),
        ("£25,000 per annum", "GB", (25000.0, "GBP", "year")),
        ("£30,000 p.a.", "GB", (30000.0, "GBP", "year")),
        ("£500 a week", "GB", (500.0, "GBP", "week")),
        ("£320 pw", "GB", (320.0, "GBP", "week")),
        ("£10.5k a year", "GB", (10500.0, "GBP", "year")),
        ("€1,234.50", "GB", (1234.5, "EUR", None)),
        ("US$ 500", "PY", (500.0, "USD", None)),
        ("USD 1.200 mensual", "PY", (1200.0, "USD", "month")),
        ("U$S 300", "AR", (300.0, "USD", None)),
        ("$ 45.000 por mes", "AR", (45000.0, "ARS", "month")),
        ("$ 1.200", "MX", (1200.0, "MXN", None)),
        ("$ 45.000", "PY", (45000.0, "USD", None)),
        ("$15/hr", "US", (15.0, "USD", "hour")),
        ("$20 an hour", "US", (20.0, "USD", "hour")),
        ("$3,000 per month", "US", (3000.0, "USD", "month")),
        ("150 por día", "ES", (150.0, "EUR", "day")),
        ("2,5 millones", "PY", (2500000.0, "PYG", None)),
        ("R$ 2.500 - R$ 3.000", "BR", (2500.0, "BRL", None)),
    ],
)
def test_prices_give_amount_currency_and_period(text, country, expected):
    assert parse_price(text, country) == expected


@pytest.mark.parametrize(
    "text", ["A convenir", "a combinar", "Negotiable", "Price on request", "Consultar", None, ""]
)
def test_prices_without_an_amount_are_empty(text):
    assert parse_price(text, "PY") == (None, None, None)


def test_free_is_a_zero_price_without_currency():
    assert parse_price("Gratis", "ES") == (0.0, None, None)
    assert parse_price("free", "GB") == (0.0, None, None)


def test_a_phone_number_in_the_price_field_is_not_a_price():
    assert parse_price("Consultar al 0981 234 567", "PY") == (None, None, None)


def test_without_a_symbol_or_country_the_currency_is_unknown():
    assert parse_price("350", None) == (350.0, None, None)


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20", "2026-11-20"),
        ("2026-11-20T23:30:00-03:00", "2026-11-20"),
        ("Fri, 20 Nov 2026 10:00:00 +0000", "2026-11-20"),
        ("20/11/2026", "2026-11-20"),
        ("20.11.26", "2026-11-20"),
        ("11/20/2026", "2026-11-20"),
        ("20 de noviembre de 2026", "2026-11-20"),
        ("20 de novembro de 2026", "2026-11-20"),
        ("November 20, 2026", "2026-11-20"),
        ("Nov 20, 2026", "2026-11-20"),
        ("20th November 2026", "2026-11-20"),
        ("Publicado el 20 de nov.", "2026-11-20"),
        ("hace 3 días", "2026-11-22"),
        ("Publicado hace una semana", "2026-11-18"),
        ("hace 2 horas", "2026-11-25"),
        ("há 2 dias", "2026-11-23"),
        ("3 days ago", "2026-11-22"),
        ("2 weeks ago", "2026-11-11"),
        ("ayer", "2026-11-24"),
        ("ontem", "2026-11-24"),
        ("yesterday", "2026-11-24"),
        ("anteayer", "2026-11-23"),
        ("hoy", "2026-11-25"),
        ("Hoje, 14:30", "2026-11-25"),
        ("today", "2026-11-25"),
    ],
)
def test_posting_dates_in_each_language_and_relative_to_now(value, expected):
    assert parse_posted(value, ["es", "pt", "en"], NOW) == expected


def test_a_date_without_year_is_taken_in_the_last_twelve_months():
    assert parse_posted("20 de diciembre", ["es"], NOW) == "2025-12-20"


def test_dateparser_reads_what_the_fast_path_does_not():
    assert parse_posted("il y a 3 jours", ["fr"], NOW) == "2026-11-22"


@pytest.mark.parametrize("value", [None, "", "garbage", "hace 99999 años", "31/02/2026", "0" * 300])
def test_unreadable_dates_are_none(value):
    assert parse_posted(value, ["es"], NOW) is None


# --- language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Se busca señorita para trabajar en bar, buen sueldo y alojamiento", "es"),
        ("Vaga para garçonete, salário bom, alojamento e alimentação inclusos", "pt"),
        ("Live-in carer wanted, good pay, accommodation provided", "en"),
    ],
)
def test_short_ad_texts_are_told_apart(text, expected):
    assert detect_language(text) == expected
    assert detect_language(text, ["es", "pt", "en"]) == expected


def test_detection_stays_within_the_hints():
    assert detect_language("Trabalho em casa", ["es", "pt"]) == "pt"
    assert detect_language("Busco trabajo", ["es-PY", "pt_BR"]) == "es"
    assert detect_language("Mba'éichapa, rehendu porã", ["es", "gn"]) == "gn"


def test_text_without_words_has_no_language():
    assert detect_language("") is None
    assert detect_language("12345 678") is None


# --- the whole ad -------------------------------------------------------------------------


def realistic_raw_ad() -> RawAd:
    body = (
        "<div class='desc'><p>Se buscan señoritas de 18 a 25 años para trabajar como camareras "
        "en un bar de Buenos Aires. Ofrecemos <b>alojamiento</b> y comida, pasaje pagado.</p>"
        "<p>Sueldo: Gs. 5.000.000 por mes, más propinas. Documentos los gestionamos nosotros.</p>"
        "<p>Escribir al WhatsApp 0981 234 567 o llamar al cero nueve siete uno siete seis cinco "
        "cuatro tres dos. Telegram: @trabajo_exterior o reclutamiento [at] empleos-ya [dot] com"
        "</p><ul><li>Ref. 912345678</li><li>Modelo de auto: Gol 1.6 2015</li></ul></div>"
    )
    return RawAd(
        url="https://www.clasificados.com.py/empleos/camareras-12345?utm_source=fb&ref=home",
        source="clasificados-py",
        kind="job",
        title="  Camareras para  Argentina — buen sueldo ",
        body=body,
        location="Asunción",
        posted="hace 2 días",
        contact="Tel: (0981) 234-567",
        image_urls=[
            "/img/a.jpg",
            "https://cdn.example.com/b.jpg",
            "/img/a.jpg",
            "data:image/png,x",
        ],
        links=[
            "https://wa.me/595982111222",
            "mailto:rrhh@empleos.com.py",
            "https://t.me/trabajoexterior",
            "tel:+595 983 111 222",
        ],
        canonical="/empleos/camareras-12345",
        language="es",
        structured={
            "@type": "JobPosting",
            "hiringOrganization": {"@type": "Organization", "name": "Agencia X"},
            "telephone": "+595 984 111 222",
        },
    )


def test_a_realistic_ad_is_normalized_field_by_field():
    ad = normalize_ad(realistic_raw_ad(), country="PY", languages=["es"], now=NOW)
    assert ad.canonical_url == "https://www.clasificados.com.py/empleos/camareras-12345"
    assert ad.id == ad_id(ad.canonical_url)
    assert ad.url.endswith("?utm_source=fb&ref=home")
    assert (ad.source, ad.kind, ad.country, ad.language) == ("clasificados-py", "job", "PY", "es")
    assert ad.title == "Camareras para Argentina — buen sueldo"
    assert ad.body.startswith("Se buscan señoritas de 18 a 25 años")
    assert "\nSueldo: Gs. 5.000.000 por mes" in ad.body
    assert (ad.price, ad.currency, ad.price_period) == (5000000.0, "PYG", "month")
    assert ad.posted_at == "2026-11-23"
    assert ad.phones == [
        PY_MOBILE,
        "+595971765432",
        "+595983111222",
        "+595984111222",
        "+595982111222",
    ]
    assert ad.whatsapp == ["+595982111222", PY_MOBILE]
    assert ad.emails == ["rrhh@empleos.com.py", "reclutamiento@empleos-ya.com"]
    assert ad.handles == ["telegram:@trabajoexterior", "telegram:@trabajo_exterior"]
    assert ad.location == "Asunción"
    assert ad.employer == "Agencia X"
    assert ad.image_urls == [
        "https://www.clasificados.com.py/img/a.jpg",
        "https://cdn.example.com/b.jpg",
    ]
    assert len(ad.content_hash) == 40
    assert ad.fetched_at == "2026-11-25T12:00:00+00:00"
    assert Ad.from_dict(ad.to_dict()) == ad


def test_a_canonical_link_to_another_host_is_ignored():
    raw = RawAd(url="https://site.example/ad/1?utm_source=x", source="s", canonical="https://x.ru/")
    assert normalize_ad(raw, country="PY", languages=None).canonical_url == (
        "https://site.example/ad/1"
    )


def test_content_hash_changes_with_the_text_and_not_with_markup():
    raw = realistic_raw_ad()
    first = normalize_ad(raw, country="PY", languages=["es"], now=NOW).content_hash
    raw.body = raw.body.replace("<p>", "<p>   ")
    assert normalize_ad(raw, country="PY", languages=["es"], now=NOW).content_hash == first
    raw.price = "Gs. 6.000.000"
    assert normalize_ad(raw, country="PY", languages=["es"], now=NOW).content_hash != first


def test_job_posting_structured_data_fills_salary_date_place_and_employer():
    raw = RawAd(
        url="https://jobs.example/job/7",
        source="jobs",
        kind="job",
        title="Cuidadora interna",
        body="Cuidamos en Casa selecciona cuidadora interna. Entrevistas esta semana.",
        structured={
            "syntax": "json-ld",
            "@type": "JobPosting",
            "datePosted": "2026-10-25",
            "hiringOrganization": {"name": "Cuidamos en Casa"},
            "jobLocation": {"address": {"addressLocality": "Sevilla", "addressCountry": "ES"}},
            "baseSalary": {
                "@type": "MonetaryAmount",
                "currency": "USD",
                "value": {"minValue": 2200, "maxValue": 2600, "unitText": "MONTH"},
            },
        },
    )
    ad = normalize_ad(raw, country="ES", languages=["es"], now=NOW)
    assert (ad.price, ad.currency, ad.price_period) == (2200.0, "USD", "month")
    assert ad.posted_at == "2026-10-25"
    assert ad.location == "Sevilla, ES"
    assert ad.employer == "Cuidamos en Casa"


def test_a_labelled_price_in_the_body_is_the_fallback_and_promises_are_not():
    raw = RawAd(
        url="https://feed.example/item/1",
        source="feed",
        body="Earn up to $3,000 per month.\nPrice: US$ 3,700/month\nCall 07911 123456",
    )
    ad = normalize_ad(raw, country="GB", languages=["en"], now=NOW)
    assert (ad.price, ad.currency, ad.price_period) == (3700.0, "USD", "month")
    raw.body = "Ganhos de até 3.500 dólares por mês."
    assert normalize_ad(raw, country="BR", languages=["pt"], now=NOW).price is None


def test_the_text_decides_the_language_over_the_pages_lang_attribute():
    raw = RawAd(
        url="https://c.example/ad/2",
        source="c",
        language="es",
        title="Vaga para garçonete",
        body="Trabalho em restaurante no centro, com alojamento e alimentação inclusos.",
    )
    assert normalize_ad(raw, country="PY", languages=["es", "pt", "en"]).language == "pt"
    raw.title, raw.body = "OK", "12"
    assert normalize_ad(raw, country="PY", languages=["es", "pt", "en"]).language == "es"


def test_garbage_never_raises_and_gives_empty_fields():
    raw = RawAd(url=None, source=None)  # type: ignore[arg-type]
    raw.title = b"\x00\xff\xfe binary \x01\x02"  # type: ignore[assignment]
    raw.body = "\x00\x01\x02\x03\ud800<<<>>>&#xD800;" * 100
    raw.price = ["not", "a", "price"]  # type: ignore[assignment]
    raw.posted = 12345  # type: ignore[assignment]
    raw.links = None  # type: ignore[assignment]
    raw.image_urls = [None, 3, "", "javascript:alert(1)"]  # type: ignore[list-item]
    raw.structured = {"baseSalary": {"value": {"value": float("nan")}}, "a": [[[[[[[[[[{}]]]]]]]]]]}
    ad = normalize_ad(raw, country="??", languages="es", now=NOW)  # type: ignore[arg-type]
    assert ad.url == "" and ad.country is None and ad.price is None
    assert ad.phones == [] and ad.image_urls == [] and ad.posted_at is None
    assert isinstance(ad.title, str) and isinstance(ad.body, str) and len(ad.id) == 20


def test_an_empty_raw_ad_gives_an_empty_ad():
    ad = normalize_ad(RawAd(url="https://e.example/1", source="e"), country=None, languages=None)
    assert (ad.title, ad.body, ad.phones, ad.emails, ad.handles) == ("", "", [], [], [])
    assert ad.language is None and ad.price is None and ad.fetched_at.endswith("+00:00")


# --- any language, narrowed by the source -----------------------------------------------------

POLISH = (
    "Świetne 3 pokojowe mieszkanie na sprzedaż w Warszawie, Śródmieście. Mieszkanie znajduje "
    "się na pierwszym piętrze kamienicy i ma 72 metry kwadratowe powierzchni użytkowej."
)


def test_polish_text_is_detected_as_polish_without_source_languages():
    assert detect_language(POLISH) == "pl"
    raw = RawAd(url="https://p.example/1", source="p", title="Mieszkanie na sprzedaż", body=POLISH)
    assert normalize_ad(raw, country=None, languages=None).language == "pl"


def test_a_language_outside_the_common_ones_is_detected_in_a_long_text():
    czech = (
        "Hledáme zkušeného vývojáře, který se připojí k našemu týmu v Praze. Nabízíme práci "
        "na zajímavých projektech, flexibilní pracovní dobu a příjemné prostředí."
    )
    assert detect_language(czech) == "cs"


def test_the_sources_languages_narrow_the_choice():
    raw = RawAd(url="https://p.example/2", source="p", title="Mieszkanie", body=POLISH)
    assert normalize_ad(raw, country=None, languages=["es", "pt"]).language in ("es", "pt", "en")


# --- caps -------------------------------------------------------------------------------------


def test_titles_and_bodies_are_capped_at_normalization(caplog):
    from crawler.extract.normalize import BODY_MAX_CHARS, TITLE_MAX_CHARS

    raw = RawAd(
        url="https://c.example/huge",
        source="c",
        title="Vendo " + "q\u0301" * 2_000_000,  # 4 MB; "q" with an accent has no single form
        body="Texto " * 50_000,
    )
    with caplog.at_level("INFO", logger="crawler.extract.normalize"):
        ad = normalize_ad(raw, country="PY", languages=["es"], now=NOW)
    assert len(ad.title) <= TITLE_MAX_CHARS and len(ad.title) > TITLE_MAX_CHARS - 2
    assert ad.title.endswith("q\u0301")  # never a letter cut from its accent
    assert len(ad.body) <= BODY_MAX_CHARS and ad.body.startswith("Texto Texto")
    assert "title cut from" in caplog.text and "body cut from" in caplog.text
    raw.location, raw.employer = "Asunción " * 1000, "ACME " * 1000
    ad = normalize_ad(raw, country="PY", languages=["es"], now=NOW)
    assert len(ad.location) <= TITLE_MAX_CHARS and len(ad.employer) <= TITLE_MAX_CHARS
    short = normalize_ad(RawAd(url="https://c.example/1", source="c", title="Hola", body="Hola"),
                         country="PY", languages=["es"], now=NOW)  # fmt: skip
    assert short.title == "Hola"
