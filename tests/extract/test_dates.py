"""Posting dates as real pages write them: header lines, ``<time datetime>`` values, local
formats and relative dates in the page's language."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extract.dates import find_posted, parse_posted
from crawler.extract.normalize import normalize_ad
from crawler.items import RawAd

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "languages", "expected"),
    [
        ("Date: 2019-02-27, 9:25PM EST", None, "2019-02-27"),
        ("Publicado el 12 de marzo de 2024", ["es"], "2024-03-12"),
        ("Опубликовано 27 февраля 2019", ["ru"], "2019-02-27"),
        ("в 11:23, 27 февраля 2019, Номер объявления: 567769360", ["ru"], "2019-02-27"),
        ("Dodano 12 marca 2024", ["pl"], "2024-03-12"),
        ("2024-03-12T10:00:00+01:00", None, "2024-03-12"),  # a <time datetime> value
        ("Added on 04/02/2026", ["en"], "2026-02-04"),
    ],
)
def test_header_line_and_local_dates(value, languages, expected):
    assert parse_posted(value, languages, NOW) == expected


@pytest.mark.parametrize(
    ("value", "languages", "expected"),
    [
        ("hace 2 días", ["es"], "2026-11-23"),
        ("Publicado hace 5 horas", ["es"], "2026-11-25"),
        ("ayer", ["es"], "2026-11-24"),
        ("há 3 horas", ["pt"], "2026-11-25"),
        ("há 4 dias", ["pt"], "2026-11-21"),
        ("ontem", ["pt"], "2026-11-24"),
        ("2 days ago", ["en"], "2026-11-23"),
        ("yesterday", ["en"], "2026-11-24"),
        ("3 дня назад", ["ru"], "2026-11-22"),
    ],
)
def test_relative_dates_count_back_from_now(value, languages, expected):
    assert parse_posted(value, languages, NOW) == expected


def test_a_labelled_date_in_the_ads_text_is_its_posting_date():
    text = "Educo Ltd Maths Tutor\nStart date: 01/11/2017\nDate posted: 13/10/2017\nApply now"
    assert find_posted(text, ["en"], NOW) == "2017-10-13"
    assert find_posted("Closing date: 18/09/2018", ["en"], NOW) is None
    assert find_posted("No dates in here at all", ["en"], NOW) is None
    assert find_posted("Posted by Ann Smith, Dublin", ["en"], NOW) is None
    assert find_posted("Publicado ontem por Ana", ["pt"], NOW) == "2026-11-24"


def test_normalize_reads_the_header_line_when_no_date_field_was_found():
    raw = RawAd(
        url="https://www.olx.ua/obyavlenie/kvartira-IDCqiKk.html",
        source="s",
        title="2 комнатная квартира 74 метра",
        body="Киев, Печерский\nДобавлено: в 11:23, 27 февраля 2019, Номер объявления: 567769360\n"
        "Продается 2 комнатная квартира в новом доме, 8 этаж.",
    )
    ad = normalize_ad(raw, country=None, languages=None, now=NOW)
    assert ad.posted_at == "2019-02-27"
    assert ad.phones == []  # the ad's number is no phone
    raw.body = "Publicado hace 2 días\nVendo heladera en buen estado."
    assert normalize_ad(raw, country=None, languages=None, now=NOW).posted_at == "2026-11-23"


def test_the_fast_path_does_not_load_dateparser():
    code = (
        "import sys; from datetime import datetime, UTC\n"
        "from crawler.extract.dates import parse_posted, find_posted\n"
        "now = datetime(2026, 11, 25, tzinfo=UTC)\n"
        "assert parse_posted('hace 2 días', ['es'], now) == '2026-11-23'\n"
        "assert parse_posted('Date: 2019-02-27, 9:25PM EST', None, now) == '2019-02-27'\n"
        "assert find_posted('Posted on 13/10/2017', ['en'], now) == '2017-10-13'\n"
        "print('dateparser' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"


def test_numeric_dates_read_month_first_only_in_the_united_states():
    assert parse_posted("03/04/2024", ["en"], NOW) == "2024-04-03"
    assert parse_posted("03/04/2024", ["en"], NOW, month_first=True) == "2024-03-04"
    assert parse_posted("20/11/2026", ["en"], NOW, month_first=True) == "2026-11-20"
    raw = RawAd(
        url="https://jobs.example.com/1", source="s", title="Cook", body="Posted 03/04/2024"
    )
    assert normalize_ad(raw, country="US", languages=None, now=NOW).posted_at == "2024-03-04"
    assert normalize_ad(raw, country="GB", languages=None, now=NOW).posted_at == "2024-04-03"
