"""``adwatch kibana setup``: import adwatch's saved objects into Kibana.

The objects live in ``kibana/*.ndjson`` (Kibana's export format; installed with the package as
``crawler/assets/kibana``): data views for
``adwatch-ads``, ``adwatch-alerts`` and ``adwatch-runs`` (URLs as links, photos shown as images),
saved searches and the "adwatch overview" dashboard. They are sent to Kibana's saved objects
import API (``POST /api/saved_objects/_import?overwrite=true``), so running setup again updates
them in place. With ``ADWATCH_ES_PREFIX`` other than ``adwatch``, index names and object ids
are rewritten to that prefix.

Environment: ``ADWATCH_KIBANA_URL`` (``https://user:password@host:5601`` works too),
``ADWATCH_KIBANA_API_KEY`` (sent as ``Authorization: ApiKey ...``), ``ADWATCH_KIBANA_SPACE``,
``ADWATCH_KIBANA_CA_CERTS`` (a CA file for a self-signed Kibana; certificates are verified).
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from crawler.assets import asset
from crawler.common.options import current_options

ASSETS = asset("kibana")
_INDEX_NAMES = re.compile(r"\badwatch-(ads|images|alerts|runs)\b")


class KibanaError(RuntimeError):
    """Kibana could not be reached, or refused the import; the message says why."""


@dataclass
class KibanaConfig:
    url: str
    api_key: str | None = None
    space: str | None = None
    ca_certs: str | None = None

    @classmethod
    def from_env(cls, env: Any = None) -> KibanaConfig | None:
        """The Kibana of ``env`` (a mapping of variables; default: the current settings,
        crawler/common/options.py), or None when ``ADWATCH_KIBANA_URL`` is not set."""
        env = current_options() if env is None else env
        url = (env.get("ADWATCH_KIBANA_URL") or "").strip().rstrip("/")
        if not url:
            return None
        return cls(
            url=url,
            api_key=env.get("ADWATCH_KIBANA_API_KEY") or None,
            space=env.get("ADWATCH_KIBANA_SPACE") or None,
            ca_certs=env.get("ADWATCH_KIBANA_CA_CERTS") or None,
        )


def saved_objects(prefix: str = "adwatch", assets: Traversable = ASSETS) -> list[dict[str, Any]]:
    """Every saved object of ``assets/*.ndjson``, with index names set to ``prefix``."""
    objects = []
    files = (path for path in assets.iterdir() if path.name.endswith(".ndjson"))
    for path in sorted(files, key=lambda path: path.name):
        text = path.read_text(encoding="utf-8")
        if prefix != "adwatch":
            text = _INDEX_NAMES.sub(lambda m: f"{prefix}-{m.group(1)}", text)
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    objects.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise KibanaError(f"{path}:{number}: not JSON: {exc}") from exc
    return objects


def _request(config: KibanaConfig, method: str, path: str, body: bytes | None, headers: dict):
    parts = urlsplit(config.url)
    headers = {"kbn-xsrf": "adwatch", **headers}
    if parts.username:
        creds = f"{parts.username}:{parts.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(creds).decode()
        netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    if config.api_key:
        headers["Authorization"] = f"ApiKey {config.api_key}"
    base = urlunsplit(parts).rstrip("/")
    if config.space and config.space != "default":
        base += f"/s/{quote(config.space)}"
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    context = None
    if base.startswith("https"):
        context = ssl.create_default_context(cafile=config.ca_certs)
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:500]
        raise KibanaError(f"{method} {base}{path}: HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise KibanaError(f"{method} {base}{path}: {exc}") from exc


def import_saved_objects(config: KibanaConfig, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Send ``objects`` to Kibana's import API (overwriting); return Kibana's answer.

    Raises :class:`KibanaError` when Kibana is unreachable or reports an object it refused.
    """
    ndjson = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode()
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="adwatch.ndjson"\r\n'
        "Content-Type: application/ndjson\r\n\r\n"
    ).encode()
    body += ndjson + f"\r\n--{boundary}--\r\n".encode()
    answer = _request(
        config,
        "POST",
        "/api/saved_objects/_import?overwrite=true",
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    if not answer.get("success", False):
        errors = answer.get("errors") or []
        listed = "; ".join(
            f"{e.get('type')}/{e.get('id')}: {e.get('error', {}).get('type', e.get('error'))}"
            for e in errors[:10]
        )
        raise KibanaError(f"Kibana refused {len(errors)} object(s): {listed or answer}")
    return answer


def status(config: KibanaConfig) -> str:
    """Kibana's overall status level and version, e.g. ``"available (8.19.21)"``."""
    answer = _request(config, "GET", "/api/status", None, {})
    level = answer.get("status", {}).get("overall", {}).get("level", "?")
    version = answer.get("version", {}).get("number", "?")
    return f"{level} ({version})"


def fields_named(obj: dict[str, Any]) -> set[str]:
    """The index fields a saved object refers to: time field, field formats, columns, sort,
    field names in KQL queries, aggregation fields."""
    attrs = obj.get("attributes", {})
    found: set[str] = set()
    if attrs.get("timeFieldName"):
        found.add(attrs["timeFieldName"])
    found.update(json.loads(attrs.get("fieldFormatMap") or "{}"))
    found.update(c for c in attrs.get("columns") or [] if c != "_source")
    found.update(s[0] for s in attrs.get("sort") or [])
    source = json.loads(attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON") or "{}")
    kql = (source.get("query") or {}).get("query") or ""
    found.update(re.findall(r"([A-Za-z_][\w.]*)\s*(?::|>=|<=|>|<)", kql))
    vis = json.loads(attrs.get("visState") or "{}")
    for agg in vis.get("aggs", []):
        if agg.get("params", {}).get("field"):
            found.add(agg["params"]["field"])
    return found
