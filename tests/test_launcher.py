"""tests/launcher.py: a command started from the launcher behaves as ``python -m
crawler.cli.main`` started afresh: the same output and exit status, its own environment and
working directory. (A command killed by a signal: tests/alerts/test_alerts_smtp.py.)"""

from __future__ import annotations

from tests.conftest import adwatch

PLAIN = {"ADWATCH_TEST_LAUNCHER": "0"}


def test_output_and_exit_status_are_those_of_a_plain_child(tmp_path):
    for args in (("--data-dir", str(tmp_path / "d"), "schedule"), ("no-such-command",)):
        launched = adwatch(*args, cwd=tmp_path)
        plain = adwatch(*args, env=PLAIN, cwd=tmp_path)
        assert launched.returncode == plain.returncode
        assert (launched.stdout, launched.stderr) == (plain.stdout, plain.stderr)
    assert launched.returncode == 2 and "invalid choice" in launched.stderr


def test_each_command_has_its_own_environment_and_folder(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shown = adwatch("schedule", env={"ADWATCH_DATA_DIR": str(first / "data")}, cwd=first)
    assert f"cd {first} && ADWATCH_DATA_DIR={first / 'data'} " in shown.stdout, shown.stdout
    again = adwatch("schedule", cwd=second)
    assert f"cd {second} " in again.stdout and str(first) not in again.stdout, again.stdout
