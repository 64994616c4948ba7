"""adwatch installed from its wheel: a working ``adwatch`` whose files come from the package.

The wheel is built from a copy of the source tree (offline: no index, no build isolation),
installed into a folder of its own, and run from another folder with only that folder and
the dependencies on the path: the Kibana saved objects, the digest templates, the default
rules and the demo sites must all be found inside the installed copy, never in the
repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "data", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests"
)

# run by the installed copy, from a folder that holds no rules.yaml
_PROBE = """
import json
import crawler, alerts, demosite
from alerts.digest import template_environment
from crawler.cli.demo import demo_rules
from contextlib import ExitStack
from crawler.stores.kibana import ASSETS, saved_objects
from demosite.sites.app import script
from importlib.resources import files

env = template_environment(autoescape=True)
with ExitStack() as stack:
    rules = demo_rules(stack)
    rules_text = rules.read_text(encoding="utf-8")
print(json.dumps({
    "modules": [m.__file__ for m in (crawler, alerts, demosite)],
    "kibana": str(ASSETS),
    "kibana_objects": len(saved_objects()),
    "template": env.get_template("digest.html.j2").filename,
    "rules": str(rules),
    "rules_has_recipients": "recipients:" in rules_text,
    "app_js": str(files("demosite.sites") / "app.js"),
    "app_js_bytes": len(script()),
}))
"""


def _run(*args: str | Path, **kw) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, (args, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the wheel was installed into (``pip install --target``)."""
    tmp = tmp_path_factory.mktemp("package")
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    wheels = tmp / "wheels"
    offline = ("--no-deps", "--no-index", "--no-build-isolation")
    _run(*pip, "wheel", "-q", *offline, "-w", wheels, source)
    (wheel,) = wheels.glob("adwatch-*.whl")
    target = tmp / "site"
    _run(*pip, "install", "-q", "--no-deps", "--no-index", "--target", target, wheel)
    return target


def _env(target: Path) -> dict[str, str]:
    """Only the installed copy and the dependencies on the path; ``-S`` keeps the
    repository's editable install out."""
    paths = [str(target), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    own = ("ADWATCH_", "PYTHON", "SCRAPY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def test_the_wheel_carries_the_license_and_its_spdx_expression(installed: Path) -> None:
    (info,) = installed.glob("adwatch-*.dist-info")
    metadata = (info / "METADATA").read_text(encoding="utf-8")
    assert "License-Expression: Apache-2.0" in metadata
    assert "Apache License" in (info / "licenses" / "LICENSE").read_text(encoding="utf-8")


def test_installed_adwatch_finds_its_files_in_the_package(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = _run(sys.executable, "-S", "-c", _PROBE, cwd=elsewhere, env=_env(installed)).stdout
    found = json.loads(out.splitlines()[-1])
    paths = [*found["modules"], found["kibana"], found["template"], found["rules"], found["app_js"]]
    for path in paths:
        assert Path(path).resolve().is_relative_to(installed.resolve()), path
        assert Path(path).exists(), path
    assert found["kibana_objects"] > 0
    assert found["rules_has_recipients"]
    assert found["app_js_bytes"] > 0


def test_installed_adwatch_command_runs_elsewhere(installed: Path, tmp_path: Path) -> None:
    script = installed / "bin" / "adwatch"
    proc = _run(sys.executable, "-S", script, "--help", cwd=tmp_path, env=_env(installed))
    assert "usage: adwatch" in proc.stdout and "demo" in proc.stdout


def test_installed_demo_sites_generate_their_ground_truth(installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "truth.json"
    args = ("-m", "demosite", "truth", "--seed", "3", "--size", "40", "-o", out)
    _run(sys.executable, "-S", *args, cwd=tmp_path, env=_env(installed))
    assert len(json.loads(out.read_text(encoding="utf-8"))["ads"]) == 40
