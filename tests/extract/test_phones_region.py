"""Phones and money on pages whose source names no country: the page's region, contact
words, and the currency structured data gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract.geo import region_of_country_name, region_of_host
from crawler.extract.normalize import normalize_ad
from crawler.extract.phones import find_phones_and_whatsapp
from crawler.extract.prices import find_marked_price, parse_price
from crawler.items import RawAd

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def ad(body: str, *, url: str = "https://ads.example.com/ad/1", country=None, **fields):
    raw = RawAd(url=url, source="s", title=fields.pop("title", "Ad"), body=body, **fields)
    return normalize_ad(raw, country=country, languages=None, now=NOW)


# --- phones without a source country ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Live-in nanny needed. Call (415) 555-0132 for details.",
        "Cleaning job, good pay. Text or WhatsApp 415-555-0132",
        "Contact: 415.555.0132",
        "Phone 4155550132, ask for Ann",
        "T: 415 555 0132",
        "📞 415-555-0132",
    ],
)
def test_a_north_american_number_is_found_without_a_country(body):
    assert ad(body).phones == ["+14155550132"]


def test_the_pages_domain_reads_national_numbers():
    found = ad("Trabajo en casa de familia. Llamar al 0981 234 567", url="https://clasi.com.py/a/1")
    assert found.phones == ["+595981234567"]


def test_a_dialling_prefix_written_on_the_page_reads_the_other_numbers():
    body = "Oficina +52 33 1234 5678. Informes al teléfono 55 2653 7680"
    assert ad(body).phones == ["+523312345678", "+525526537680"]


def test_a_structured_telephone_without_plus_is_read_as_international():
    structured = {"@type": "Apartment", "telephone": "52 5526537680"}
    assert ad("Departamento en venta", structured=structured).phones == ["+525526537680"]


@pytest.mark.parametrize(
    "body",
    [
        "Ad ID: 4155550132",
        "Ref. 4155550132",
        "Anuncio nº 612345678",
        "Posted 2019-02-27 14:15, updated 2019-03-01",
        "Price: $ 4155550132",
        "ZIP 94103, Postcode 94103-1234",
        "Order 415 555 0132 shipped",  # a valid-looking number no contact word points to
        "Listing 2870981622 in Vila Ema",
        "1 2 3 4 5 6 7 8 9 10 next",
    ],
)
def test_ids_prices_dates_and_postcodes_are_never_phones_without_a_country(body):
    assert ad(body).phones == []


def test_a_reference_label_a_few_words_before_a_number_keeps_it_from_the_phones():
    body = "(Código do anunciante: 13970SN | Código no Zap: 2870981622)"
    assert ad(body, country="BR").phones == []
    assert ad("Номер объявления: 567769360", country="UA").phones == []


def test_an_id_in_the_pages_address_is_no_phone_unless_a_contact_word_says_so():
    url = "https://imoveis.example.com.br/imovel/venda-apartamento-id-2870981622/"
    assert ad("Apartamento 2870981622 pronto para morar", url=url, country="BR").phones == []
    assert ad("Ligue 2870981622", url=url, country="BR").phones == ["+552870981622"]


def test_guesses_only_read_numbers_next_to_a_contact_word():
    text = "Model 2125550199 in stock. Tel: 212-555-0187"
    phones, _ = find_phones_and_whatsapp(text, [], None, guesses=["US"])
    assert phones == ["+12125550187"]
    assert find_phones_and_whatsapp(text, [], None) == ([], [])


def test_the_pages_region_comes_from_its_domain_and_country_names():
    assert region_of_host("www.olx.ua") == "UA"
    assert region_of_host("www.rightmove.co.uk") == "GB"
    assert region_of_host("example.com") is None and region_of_host("startup.io") is None
    assert region_of_country_name("México") == "MX"
    assert region_of_country_name("Brasil") == "BR"
    assert region_of_country_name("Nowhere") is None


# --- currency and amounts -------------------------------------------------------------------


def test_the_currency_of_structured_data_wins_when_the_price_text_has_no_symbol():
    structured = {"@type": "Product", "offers": {"@type": "Offer", "priceCurrency": "EUR"}}
    found = ad("Maison à vendre", price="749.000", structured=structured)
    assert (found.price, found.currency) == (749000.0, "EUR")


def test_the_currency_of_structured_data_beats_the_sign():
    structured = {"offers": {"price": "1300", "priceCurrency": "ARS"}}
    found = ad("Departamento", price="$ 1.300", structured=structured, country="US")
    assert (found.price, found.currency) == (1300.0, "ARS")


def test_without_structured_currency_or_sign_the_pages_country_gives_it():
    found = ad("Mieszkanie", price="1 500 000", url="https://www.otodom.pl/pl/oferta/x")
    assert (found.price, found.currency) == (1500000.0, "PLN")


def test_a_salary_range_in_structured_data_gives_the_lower_end_and_the_period():
    salary = {
        "@type": "MonetaryAmount",
        "currency": "BRL",
        "value": {"minValue": 2000, "maxValue": 3000, "unitText": "MONTH"},
    }
    found = ad("Vaga de garçom", structured={"@type": "JobPosting", "baseSalary": salary})
    assert (found.price, found.currency, found.price_period) == (2000.0, "BRL", "month")


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("749.000 €", "BE", (749000.0, "EUR", None)),
        ("€749,000   749000", "BE", (749000.0, "EUR", None)),
        ("R$ 65.999", "BR", (65999.0, "BRL", None)),
        ("R$ 65.999", None, (65999.0, "BRL", None)),
        ("1 500 000 zł", None, (1500000.0, "PLN", None)),
        ("3 245 000 kr", "NO", (3245000.0, "NOK", None)),
        ("1 850 000 грн.", None, (1850000.0, "UAH", None)),
        ("PLN 1 200", None, (1200.0, "PLN", None)),
        ("R1 395 000", None, (1395000.0, "ZAR", None)),
        ("R$ 2.000 a R$ 3.000 por mês", "BR", (2000.0, "BRL", "month")),
        ("$50k–$70k a year", "US", (50000.0, "USD", "year")),
        ("Salary: £25,000 - £28,000", "GB", (25000.0, "GBP", None)),
        ("por R$ 279.000,00", None, (279000.0, "BRL", None)),
        ("RD$ 25,000", None, (25000.0, "DOP", None)),
        ("AU$450 pw", None, (450.0, "AUD", "week")),
        ("1.200.000₫", None, (1200000.0, "VND", None)),
        ("ALL INCLUSIVE 500", None, (500.0, None, None)),
    ],
)
def test_amounts_read_by_their_thousands_groups_and_currency(text, country, expected):
    assert parse_price(text, country) == expected


def test_a_price_written_with_its_currency_in_the_title_is_the_fallback():
    assert find_marked_price("Bike - $480 (Austin, TX)", "US") == (480.0, "USD", None)
    assert find_marked_price("Gol 1.6 2015, 45.000 km", "BR") == (None, None, None)
    found = ad("Great bike.", title="Bike - $480 (Austin, TX)", url="https://austin.example.org/")
    assert (found.price, found.currency) == (480.0, "USD")


# --- any input --------------------------------------------------------------------------------

_PAGE_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789 +-().,:/$€£R kzłtelTEL\nCallWhatsApp")), max_size=200
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(_PAGE_TEXT, st.lists(st.sampled_from(["US", "MX", "BR", "ZZ", ""]), max_size=4))
def test_guessed_regions_give_e164_numbers_next_to_contact_words(text, guesses):
    phones, whatsapp = find_phones_and_whatsapp(text, [], None, guesses=guesses, dialled=[text])
    assert all(p.startswith("+") and p[1:].isdigit() for p in phones)
    assert set(whatsapp) <= set(phones)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(_PAGE_TEXT, st.sampled_from([None, "BR", "PL", "NO", "ZA", "US"]))
def test_marked_prices_are_amounts_or_nothing(text, country):
    amount, currency, _period = find_marked_price(text, country)
    assert amount is None or amount >= 0
    assert currency is None or (amount is not None and len(currency) == 3)


def test_a_number_in_the_contact_field_needs_no_contact_word():
    assert ad("Two-bedroom flat, sunny.", contact="(415) 555-0132").phones == ["+14155550132"]
    assert ad("Two-bedroom flat. Ref 4155550132").phones == []


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("612 345 678 PLN", "PL"),
        ("0981 234 567 USD", "PY"),
        ("938 98 132 kr", "NO"),
        ("Pris 938 98 132", "NO"),
        ("1 850 000 грн", "UA"),
    ],
)
def test_amounts_in_other_currencies_are_not_phones(text, country):
    assert ad(text, country=country).phones == []


def test_a_short_national_number_in_a_tel_link_is_not_read_as_international():
    # "+4155550132" would be a Swiss number: ten digits are a national number, not a
    # country code and one
    assert find_phones_and_whatsapp("", [], "PY", dialled=["4155550132"]) == ([], [])
    assert find_phones_and_whatsapp("", [], None, dialled=["52 5526537680"])[0] == ["+525526537680"]
