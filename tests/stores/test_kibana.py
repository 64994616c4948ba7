"""Kibana saved objects: they parse, they name only fields the installed mapping has (asked of
the real Elasticsearch node), and ``adwatch kibana setup`` sends them to the import API."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.stores.elasticsearch import ElasticsearchStore, ESConfig
from crawler.stores.kibana import fields_named, saved_objects
from tests.conftest import adwatch

OBJECTS = saved_objects()


def test_every_saved_object_parses_and_its_references_resolve():
    ids = {(o["type"], o["id"]) for o in OBJECTS}
    assert len(ids) == len(OBJECTS), "two objects share a type and id"
    kinds = {o["type"] for o in OBJECTS}
    assert {"index-pattern", "search", "visualization", "dashboard"} <= kinds
    for obj in OBJECTS:
        attrs = obj["attributes"]
        assert attrs["title"]
        for key in ("fieldFormatMap", "visState", "panelsJSON", "optionsJSON"):
            if key in attrs:
                json.loads(attrs[key])
        meta = attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if meta:
            json.loads(meta)
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, f"{obj['id']} refers to missing {ref}"
    views = {o["attributes"]["title"] for o in OBJECTS if o["type"] == "index-pattern"}
    assert views == {"adwatch-ads", "adwatch-alerts", "adwatch-runs"}
    searches = {o["attributes"]["title"] for o in OBJECTS if o["type"] == "search"}
    assert {"Ads that matched a rule, last 7 days", "Ads sharing a phone number", "Reposts"} <= (
        searches
    )


def test_data_views_show_urls_as_links_and_photos_as_images():
    ads = next(o for o in OBJECTS if o["id"] == "adwatch-ads")
    formats = json.loads(ads["attributes"]["fieldFormatMap"])
    assert formats["url"]["params"]["type"] == "a"
    assert formats["image_urls"]["params"]["type"] == "img"


def test_a_prefix_renames_every_index_the_objects_name():
    renamed = json.dumps(saved_objects("ngo1"))
    assert "adwatch-ads" not in renamed and "ngo1-ads" in renamed


def test_every_field_a_saved_object_names_is_in_the_installed_mapping(es_url, tmp_path):
    from tests.conftest import delete_es_prefix

    prefix = f"t{uuid.uuid4().hex[:10]}"
    store = ElasticsearchStore(ESConfig(url=es_url, prefix=prefix), tmp_path)
    try:
        store.setup()
        objects = saved_objects(prefix)
        view_of = {
            o["id"]: o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"
        }
        caps = {
            view: set(store.es.field_caps(index=view, fields="*")["fields"])
            for view in view_of.values()
        }
        missing = {}
        for obj in objects:
            if obj["type"] == "index-pattern":
                view = obj["attributes"]["title"]
            else:
                refs = [r["id"] for r in obj["references"] if r["type"] == "index-pattern"]
                if not refs:
                    continue
                view = view_of[refs[0]]
            named = fields_named(obj)
            assert named or obj["type"] == "index-pattern", obj["id"]
            if named - caps[view]:
                missing[obj["id"]] = sorted(named - caps[view])
        assert not missing, missing
    finally:
        store.close()
        delete_es_prefix(es_url, prefix)


class ImportEndpoint(BaseHTTPRequestHandler):
    """Kibana's saved objects import endpoint, and only that: it records each request.

    No Kibana that matches Elasticsearch 8 can run in the test environment: there is no Docker,
    Kibana 8 is not published on the package registries the tests may use (npm's ``kibana``
    package is Kibana 5.1.1, which cannot talk to Elasticsearch 8), so this stands in for it on
    127.0.0.1 to check what ``adwatch kibana setup`` sends. The objects themselves are checked
    against the real Elasticsearch node (field caps of the installed mapping).
    """

    received: list[dict] = []
    answer: dict | None = None

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        message = email.message_from_bytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body,
            policy=email.policy.default,
        )
        (part,) = list(message.iter_parts())
        lines = part.get_payload(decode=True).decode().splitlines()
        objects = [json.loads(line) for line in lines if line.strip()]
        self.received.append(
            {
                "path": self.path,
                "xsrf": self.headers.get("kbn-xsrf"),
                "auth": self.headers.get("Authorization"),
                "filename": part.get_filename(),
                "objects": objects,
            }
        )
        answer = self.answer or {"success": True, "successCount": len(objects)}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def kibana():
    ImportEndpoint.received = []
    ImportEndpoint.answer = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImportEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", ImportEndpoint
    server.shutdown()
    server.server_close()


def test_kibana_setup_imports_every_object_with_overwrite(kibana, tmp_path):
    url, endpoint = kibana
    env = {
        "ADWATCH_KIBANA_URL": url,
        "ADWATCH_KIBANA_API_KEY": "a2V5OnNlY3JldA==",
        "ADWATCH_KIBANA_SPACE": "analysts",
        "ADWATCH_ES_PREFIX": "ngo1",
        "ADWATCH_DATA_DIR": str(tmp_path),
    }
    proc = adwatch("kibana", "setup", env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert f"imported {len(OBJECTS)} saved object(s)" in proc.stdout
    (request,) = endpoint.received
    assert request["path"] == "/s/analysts/api/saved_objects/_import?overwrite=true"
    assert request["xsrf"] and request["auth"] == "ApiKey a2V5OnNlY3JldA=="
    assert request["filename"].endswith(".ndjson")
    assert [o["id"] for o in request["objects"]] == [o["id"] for o in saved_objects("ngo1")]


def test_kibana_setup_reports_objects_kibana_refused(kibana, tmp_path):
    url, endpoint = kibana
    endpoint.answer = {
        "success": False,
        "successCount": 0,
        "errors": [{"type": "dashboard", "id": "adwatch-overview", "error": {"type": "conflict"}}],
    }
    proc = adwatch("kibana", "setup", env={"ADWATCH_KIBANA_URL": url}, timeout=60)
    assert proc.returncode == 1
    assert "dashboard/adwatch-overview: conflict" in proc.stderr


def test_kibana_setup_without_a_url_is_a_usage_error():
    proc = adwatch("kibana", "setup", env={"ADWATCH_KIBANA_URL": ""}, timeout=60)
    assert proc.returncode == 2 and "ADWATCH_KIBANA_URL" in proc.stderr
