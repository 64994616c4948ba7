"""A run's log: everything in the file, only the run's own warnings on the terminal."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from crawler.run import logs


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_a_dropped_page_goes_to_the_file_and_a_store_outage_to_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    path = logs.configure(tmp_path / "data")
    assert path == tmp_path / "data" / "adwatch.log"
    logging.getLogger("scrapy.core.scraper").warning("Dropped: no ad found on the page")
    logging.getLogger("scrapy.statscollectors").info("Dumping Scrapy stats")
    logging.getLogger("crawler.stores.es_client").warning("Elasticsearch unavailable")
    logging.getLogger("spiders.listing").critical("the reactor stopped")
    text = path.read_text(encoding="utf-8")
    for line in ("Dropped: no ad found", "Dumping Scrapy stats", "Elasticsearch unavailable"):
        assert line in text
    assert capsys.readouterr().err.splitlines() == [
        "warning: Elasticsearch unavailable",
        "critical: the reactor stopped",
    ]


def test_verbose_shows_the_whole_log_and_a_given_file_and_level_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    given = tmp_path / "elsewhere" / "run.log"
    path = logs.configure(tmp_path / "data", level="WARNING", given_file=given, verbose=True)
    assert path == given
    logging.getLogger("scrapy.core.engine").info("Spider opened")
    logging.getLogger("scrapy.core.scraper").warning("Dropped: no ad found on the page")
    assert "Spider opened" not in given.read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "Dropped: no ad found" in err and "Spider opened" not in err
    assert not (tmp_path / "data").exists()


def test_nothing_is_written_before_the_first_record_nor_a_traceback_when_it_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    logs.configure(tmp_path / "data")
    assert not (tmp_path / "data").exists()
    logs.configure(blocked / "data")  # its folder cannot be made
    logging.getLogger("scrapy.core.engine").info("Spider opened")
    assert capsys.readouterr().err == ""
