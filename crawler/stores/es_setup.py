"""Setting up Elasticsearch for adwatch: index templates, indices behind aliases, migrations.

Each kind of document (crawler/stores/es_schema.py ``KINDS``) lives in ``<prefix>-<kind>-NNNNNN``
behind the alias ``<prefix>-<kind>``, created from the template adwatch installs. When a
template's mapping changes, setup creates the next index version from it, copies the documents
over and moves the alias in one step; the old index is kept for the operator to delete.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, Elasticsearch, helpers

from crawler.stores.es_schema import KINDS, template_body

logger = logging.getLogger(__name__)


@dataclass
class SetupReport:
    alias: str
    index: str
    action: str  # "created", "up to date", "migrated"
    copied: int = 0
    previous: str | None = None

    def __str__(self) -> str:
        if self.action == "migrated":
            return (
                f"{self.alias}: mapping changed, now {self.index} ({self.copied} documents copied "
                f"from {self.previous}, which is kept: delete it when satisfied)"
            )
        return f"{self.alias} -> {self.index}: {self.action}"


class ESIndices:
    """The templates, indices and aliases of one prefix; ``alias[kind]`` names each kind's."""

    def __init__(self, es: Elasticsearch, prefix: str):
        self.es = es
        self.prefix = prefix
        self.alias = {kind: f"{prefix}-{kind}" for kind in KINDS}
        self.ready = False

    def has_language_analyzers(self) -> bool:
        """Whether the node has Elasticsearch's language analyzers (module analysis-common)."""
        try:
            self.es.indices.analyze(analyzer="spanish", text="trabajos")
            return True
        except ApiError as exc:
            if exc.meta.status == 400:
                return False
            raise

    def setup(self) -> list[SetupReport]:
        """Install the index templates and create (or migrate) the indices behind the aliases.

        Safe to run again: an index whose mapping is current is left alone. When a template's
        mapping changed, the next index version is created from it, the documents are copied
        over and the alias moves to it in one step. Run it while no ``adwatch run`` writes.
        """
        languages = self.has_language_analyzers()
        reports = [self._setup_kind(kind, languages) for kind in KINDS]
        self.ready = True
        return reports

    def ensure_ready(self) -> None:
        """Set up the indices the first time a write needs them, unless they exist."""
        if self.ready:
            return
        if not all(self.es.indices.exists_alias(name=self.alias[k]) for k in ("ads", "runs")):
            for report in self.setup():
                logger.info("elasticsearch setup: %s", report)
        self.ready = True

    def write_index(self, alias: str) -> str:
        """The index that ``alias`` writes to."""
        found = self.es.indices.get_alias(name=alias)
        for index, info in found.items():
            if info.get("aliases", {}).get(alias, {}).get("is_write_index"):
                return str(index)
        return str(sorted(found)[-1])

    def check_setup(self) -> list[tuple[str, bool, str]]:
        """``(alias, ok, detail)`` per kind: template installed, alias present, mapping current."""
        languages = self.has_language_analyzers()
        out = []
        for kind in KINDS:
            alias = self.alias[kind]
            want = template_body(kind, self.prefix, languages)["_meta"]["adwatch_mapping"]
            if not self.es.indices.exists_index_template(name=alias):
                out.append((alias, False, "template missing: run `adwatch setup`"))
                continue
            if not self.es.indices.exists_alias(name=alias):
                out.append((alias, False, "alias missing: run `adwatch setup`"))
                continue
            index = self.write_index(alias)
            if self._mapping_of(index) != want:
                out.append((alias, False, f"{index} has an old mapping: run `adwatch setup`"))
            else:
                count = self.es.count(index=alias)["count"]
                out.append((alias, True, f"{index}, {count} documents"))
        return out

    def _setup_kind(self, kind: str, languages: bool) -> SetupReport:
        alias = self.alias[kind]
        body = template_body(kind, self.prefix, languages)
        self.es.indices.put_index_template(
            name=alias,
            index_patterns=body["index_patterns"],
            priority=body["priority"],
            template=body["template"],
            meta=body["_meta"],
        )
        if not self.es.indices.exists_alias(name=alias):
            if self.es.indices.exists(index=alias):
                raise RuntimeError(
                    f"{alias} is an index, not an alias: rename or delete it, then run setup again"
                )
            index = f"{alias}-000001"
            self.es.indices.create(index=index, aliases={alias: {"is_write_index": True}})
            return SetupReport(alias, index, "created")
        current = self.write_index(alias)
        if self._mapping_of(current) == body["_meta"]["adwatch_mapping"]:
            return SetupReport(alias, current, "up to date")
        new = next_version(current)
        copied = self._migrate(alias, current, new)
        return SetupReport(alias, new, "migrated", copied, current)

    def _mapping_of(self, index: str) -> Any:
        """The mapping fingerprint adwatch left in the index's ``_meta`` (None if none)."""
        meta = self.es.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
        return meta.get("adwatch_mapping")

    def _migrate(self, alias: str, current: str, new: str) -> int:
        """Copy the documents of ``current`` into ``new`` and move ``alias`` there; return how
        many documents were copied."""
        if not self.es.indices.exists(index=new):
            self.es.indices.create(index=new)
        self.es.indices.refresh(index=current)
        copied, _errors = helpers.bulk(
            self.es,
            (
                {"_index": new, "_id": hit["_id"], "_source": hit["_source"]}
                for hit in helpers.scan(self.es, index=current, query={"query": {"match_all": {}}})
            ),
            chunk_size=1000,
        )
        self.es.indices.refresh(index=new)
        self.es.indices.update_aliases(
            actions=[
                {"remove": {"index": current, "alias": alias}},
                {"add": {"index": new, "alias": alias, "is_write_index": True}},
            ]
        )
        return copied


def next_version(index: str) -> str:
    """``adwatch-ads-000001`` -> ``adwatch-ads-000002``."""
    base, _, number = index.rpartition("-")
    if number.isdigit():
        return f"{base}-{int(number) + 1:06d}"
    return f"{index}-000002"
