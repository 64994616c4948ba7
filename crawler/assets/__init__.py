"""Files adwatch ships with its code, found through ``importlib.resources``.

- ``kibana/*.ndjson``: the Kibana saved objects of ``adwatch kibana setup``
  (crawler/stores/kibana.py);
- ``rules.yaml``: the default keyword rules, which ``adwatch demo`` uses when neither
  ``ADWATCH_RULES`` nor ``./rules.yaml`` names a rules file.

In the repository both are links to the top-level ``kibana/`` folder and ``rules.yaml``, the
files operators read and edit; a built wheel holds copies, so an installed adwatch finds them
wherever it runs. (The digest templates ship as ``alerts/templates``, the demo sites as the
``demosite`` package.)
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def asset(name: str) -> Traversable:
    """The shipped file or folder ``name`` (``"kibana"``, ``"rules.yaml"``)."""
    return files(__name__) / name


__all__ = ["asset"]
