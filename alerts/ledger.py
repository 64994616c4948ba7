"""The alert ledger: which alerts are due, decided from what was seen and what was sent.

Pure decisions over plain data; the caller (alerts/alertpass.py) loads the history from the
local SQLite file and writes the outcome back in one transaction.

**Rule alerts.** An ad that matched rules is recorded as a :class:`RuleSighting` when it is
stored new or changed. Each rule it matched gives the key ``(rule, cluster)``, and an alert
is due only when that key never alerted before, or when the rule sets ``realert`` and the
last alert for the key is at least that old (then a new sighting in the cluster alerts
again). The cluster of an ad joins what is known to be the same ad, strongest first:

1. ``cluster:<id>``, the ad's repost cluster (``cluster_id``, set by crawler/photos/reposts.py
   from photos and text), when it has one;
2. ``ad:<id>``, the ad itself (an edited ad stays in its cluster);
3. ``text:<fingerprint>``, its words without numbers (the same text reposted under another
   URL, with a new phone number or price, is the same cluster).

The first of these already known names the cluster; the others are linked to it.

**Entity alerts** follow phone numbers (:class:`PhoneSighting`, one per phone of every
stored ad), for the phones that appear on an ad some rule matched (``mode="flagged"``, the
default) or for every phone (``mode="all"``):

* ``phone-new-city``: a phone seen before turns up in a city it was not seen in (once per
  phone and city);
* ``phone-new-site``: likewise on a site (source) it was not seen on;
* ``phone-many-ads``: the phone is on ``threshold`` or more ads dated within ``window``
  (7 days; an ad's date is its posting date, else when it was first seen); again after
  ``window``.

They go to the recipients of the rules that matched the phone's ads, plus the groups of
``extra_recipients``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from alerts.rules import RuleSet
from alerts.textnorm import normalize

__all__ = [
    "ENTITY_RULES",
    "Alert",
    "Decision",
    "EntityPolicy",
    "History",
    "MemoryHistory",
    "PhoneSighting",
    "RuleSighting",
    "cluster_members",
    "decide",
    "phone_sightings_of",
    "text_fingerprint",
]

PHONE_NEW_CITY = "phone-new-city"
PHONE_NEW_SITE = "phone-new-site"
PHONE_MANY_ADS = "phone-many-ads"

#: The entity alerts: id -> (name, severity).
ENTITY_RULES: dict[str, tuple[str, str]] = {
    PHONE_NEW_CITY: ("Phone number seen in a new city", "medium"),
    PHONE_NEW_SITE: ("Phone number seen on a new site", "low"),
    PHONE_MANY_ADS: ("Phone number on many ads within days", "medium"),
}

#: A text fingerprint needs this many words: short texts ("Vendo auto") are not one ad.
MIN_FINGERPRINT_WORDS = 8


@dataclass(frozen=True)
class RuleSighting:
    """An ad stored new or changed that matched rules: ``ad`` is ``Ad.to_dict()``."""

    ad: dict[str, Any]
    seen_at: str


@dataclass(frozen=True)
class PhoneSighting:
    """One phone number on one ad. ``ad_date``: the ad's posting date, else first seen."""

    phone: str
    ad_id: str
    source: str
    city: str | None
    ad_date: str
    ad: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Alert:
    """An alert: stored in the ledger, mailed to its recipient groups in a digest."""

    key: str
    rule: str
    kind: str  # "rule" | "entity"
    severity: str
    ad_id: str
    cluster: str
    recipients: list[str]
    created_at: str
    detail: dict[str, Any]
    id: int | None = None
    status: str = "pending"
    sent_at: str | None = None

    @property
    def ad(self) -> dict[str, Any]:
        return self.detail.get("ad") or {}


@dataclass(frozen=True)
class EntityPolicy:
    """Settings of the entity alerts (``ADWATCH_ENTITY_ALERTS``, ``ADWATCH_PHONE_ADS_*``,
    ``ADWATCH_ENTITY_RECIPIENTS``)."""

    mode: str = "flagged"  # flagged | all | off
    threshold: int = 5
    window: timedelta = timedelta(days=7)
    extra_recipients: tuple[str, ...] = ()


class History(Protocol):
    """What the ledger needs to know from earlier passes (the SQLite store implements it)."""

    def cluster_of(self, member: str) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError

    def last_alert_at(self, key: str) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError

    def phone_sightings(self, phone: str) -> list[PhoneSighting]:  # pragma: no cover
        """Sightings of ``phone`` decided in earlier passes."""
        raise NotImplementedError

    def phone_rules(self, phone: str) -> set[str]:  # pragma: no cover - interface
        """Ids of the rules that matched an ad carrying ``phone`` (any pass)."""
        raise NotImplementedError


@dataclass
class MemoryHistory(History):
    """A History held in dicts (tests, and a first pass over an empty ledger)."""

    clusters: dict[str, str] = field(default_factory=dict)
    last_alerts: dict[str, str] = field(default_factory=dict)
    phones: dict[str, list[PhoneSighting]] = field(default_factory=dict)
    rules_by_phone: dict[str, set[str]] = field(default_factory=dict)

    def cluster_of(self, member: str) -> str | None:
        return self.clusters.get(member)

    def last_alert_at(self, key: str) -> str | None:
        return self.last_alerts.get(key)

    def phone_sightings(self, phone: str) -> list[PhoneSighting]:
        return list(self.phones.get(phone, []))

    def phone_rules(self, phone: str) -> set[str]:
        return set(self.rules_by_phone.get(phone, set()))

    def apply(self, decision: Decision, phone_sightings: Iterable[PhoneSighting] = ()) -> None:
        """Remember a decision, as the store does when it commits one."""
        self.clusters.update(decision.cluster_links)
        for alert in decision.alerts:
            self.last_alerts[alert.key] = alert.created_at
        for s in phone_sightings:
            self.phones.setdefault(s.phone, []).append(s)


@dataclass
class Decision:
    """The outcome of one pass: new alerts, new cluster links, and notes."""

    alerts: list[Alert] = field(default_factory=list)
    cluster_links: dict[str, str] = field(default_factory=dict)
    suppressed: int = 0  # rule hits whose (rule, cluster) already alerted
    unknown_rules: set[str] = field(default_factory=set)  # no longer in rules.yaml


def _parse_time(value: str) -> datetime:
    if len(value) == 10:  # a date
        value += "T00:00:00+00:00"
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def text_fingerprint(title: str | None, body: str | None) -> str | None:
    """A hash of an ad's words without numbers (normalized as rules see them), or None
    when the text is too short to tell one ad from another."""
    words = [
        w
        for w in normalize(f"{title or ''} {body or ''}").text.split()
        if not any(ch.isdigit() for ch in w)
    ]
    if len(words) < MIN_FINGERPRINT_WORDS:
        return None
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:20]


def cluster_members(ad: dict[str, Any]) -> list[str]:
    """The names an ad's cluster may be known by, strongest first (see the module doc)."""
    members = []
    if ad.get("cluster_id"):
        members.append(f"cluster:{ad['cluster_id']}")
    members.append(f"ad:{ad['id']}")
    fingerprint = text_fingerprint(ad.get("title"), ad.get("body"))
    if fingerprint:
        members.append(f"text:{fingerprint}")
    return members


def city_key(city: str | None) -> str | None:
    """A city as compared: the part before the first comma, case and accents folded."""
    if not city:
        return None
    first = city.split(",")[0]
    folded = unicodedata.normalize("NFKD", first.casefold())
    key = re.sub(r"\s+", " ", "".join(c for c in folded if not unicodedata.combining(c)))
    return key.strip() or None


def _city_label(city: str | None) -> str:
    return (city or "").split(",")[0].strip()


class _Pass:
    """History plus what this pass decided so far (so sightings of one pass see each other)."""

    def __init__(self, history: History):
        self.history = history
        self.clusters: dict[str, str] = {}
        self.last: dict[str, str] = {}
        self.phones: dict[str, list[PhoneSighting]] = {}

    def cluster_of(self, member: str) -> str | None:
        return self.clusters.get(member) or self.history.cluster_of(member)

    def last_alert_at(self, key: str) -> str | None:
        return self.last.get(key) or self.history.last_alert_at(key)

    def earlier(self, phone: str) -> list[PhoneSighting]:
        if phone not in self.phones:
            self.phones[phone] = self.history.phone_sightings(phone)
        return self.phones[phone]


def _due(last: str | None, realert: timedelta | None, now: datetime) -> bool:
    if last is None:
        return True
    return realert is not None and now - _parse_time(last) >= realert


def decide(
    rule_sightings: Iterable[RuleSighting],
    phone_sightings: Iterable[PhoneSighting],
    ruleset: RuleSet,
    history: History,
    now: datetime,
    policy: EntityPolicy | None = None,
) -> Decision:
    """The alerts due for the sightings recorded since the last pass.

    Sightings are taken in order (rule sightings by time seen, phone sightings by ad date),
    so the outcome does not depend on the order they were stored in.
    """
    policy = policy or EntityPolicy()
    state = _Pass(history)
    decision = Decision()
    created = _iso(now)
    groups_of = {rule.id: list(rule.recipients) for rule in ruleset.rules}
    current_rules: dict[str, set[str]] = {}  # phone -> rules matched in this pass

    for sighting in sorted(rule_sightings, key=lambda s: (s.seen_at, s.ad.get("id", ""))):
        ad = sighting.ad
        members = cluster_members(ad)
        cluster = next((c for c in map(state.cluster_of, members) if c), members[0])
        for member in members:
            if state.cluster_of(member) is None:
                state.clusters[member] = decision.cluster_links[member] = cluster
        for match in ad.get("matched_rules") or []:
            rule_id = match["rule"]
            for phone in _ad_phones(ad):
                current_rules.setdefault(phone, set()).add(rule_id)
            try:
                rule = ruleset.rule(rule_id)
            except KeyError:
                decision.unknown_rules.add(rule_id)
                continue
            key = f"{rule_id}|{cluster}"
            if not _due(state.last_alert_at(key), rule.realert, now):
                decision.suppressed += 1
                continue
            state.last[key] = created
            decision.alerts.append(
                Alert(
                    key=key,
                    rule=rule_id,
                    kind="rule",
                    severity=rule.severity,
                    ad_id=ad["id"],
                    cluster=cluster,
                    recipients=list(rule.recipients),
                    created_at=created,
                    detail={
                        "name": rule.name,
                        "score": match.get("score"),
                        "terms": match.get("terms") or [],
                        "ad": ad,
                    },
                )
            )

    if policy.mode == "off":
        return decision
    for seen in sorted(phone_sightings, key=lambda s: (s.ad_date, s.ad_id, s.phone)):
        phone = seen.phone
        rules = history.phone_rules(phone) | current_rules.get(phone, set())
        earlier = [s for s in state.earlier(phone) if s.ad_id != seen.ad_id]
        state.phones[phone].append(seen)
        if policy.mode != "all" and not rules:
            continue
        recipients = sorted(
            {g for r in rules for g in groups_of.get(r, [])} | set(policy.extra_recipients)
        )
        decision.alerts.extend(
            _entity_alerts(seen, earlier, recipients, sorted(rules), state, policy, now)
        )
    return decision


def _entity_alerts(
    s: PhoneSighting,
    earlier: list[PhoneSighting],
    recipients: list[str],
    rules: list[str],
    state: _Pass,
    policy: EntityPolicy,
    now: datetime,
) -> list[Alert]:
    created = _iso(now)
    out: list[Alert] = []

    def add(rule: str, key: str, realert: timedelta | None, detail: dict[str, Any]) -> None:
        if not _due(state.last_alert_at(key), realert, now):
            return
        state.last[key] = created
        name, severity = ENTITY_RULES[rule]
        detail = {"name": name, "phone": s.phone, "rules": rules, "ad": s.ad, **detail}
        out.append(
            Alert(key, rule, "entity", severity, s.ad_id, s.phone, recipients, created, detail)
        )

    if earlier:
        cities = {city_key(e.city): _city_label(e.city) for e in earlier if city_key(e.city)}
        city = city_key(s.city)
        if city and cities and city not in cities:
            add(
                PHONE_NEW_CITY,
                f"{PHONE_NEW_CITY}|{s.phone}|{city}",
                None,
                {"city": _city_label(s.city), "before": sorted(set(cities.values()))},
            )
        sites = {e.source for e in earlier}
        if s.source not in sites:
            add(
                PHONE_NEW_SITE,
                f"{PHONE_NEW_SITE}|{s.phone}|{s.source}",
                None,
                {"site": s.source, "before": sorted(sites)},
            )
    recent = _busiest_window(s, earlier, policy.window)
    if len(recent) >= policy.threshold:
        add(
            PHONE_MANY_ADS,
            f"{PHONE_MANY_ADS}|{s.phone}",
            policy.window,
            {
                "count": len(recent),
                "days": policy.window.days or round(policy.window.total_seconds() / 86400, 2),
                "ads": sorted(e.ad.get("url") or e.ad_id for e in recent.values()),
            },
        )
    return out


def _busiest_window(
    s: PhoneSighting, earlier: list[PhoneSighting], window: timedelta
) -> dict[str, PhoneSighting]:
    """The most ads of the phone in one stretch of ``window`` that contains ``s``'s date."""
    dated = {e.ad_id: (_parse_time(e.ad_date), e) for e in earlier}
    when = _parse_time(s.ad_date)
    dated[s.ad_id] = (when, s)
    best: dict[str, PhoneSighting] = {}
    for start, _ in dated.values():
        if not when - window <= start <= when:
            continue
        inside = {k: e for k, (d, e) in dated.items() if start <= d <= start + window}
        if len(inside) > len(best):
            best = inside
    return best


def _ad_phones(ad: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys([*(ad.get("phones") or []), *(ad.get("whatsapp") or [])]))


def phone_sightings_of(ad: dict[str, Any], first_seen: str) -> list[PhoneSighting]:
    """One :class:`PhoneSighting` per distinct phone (and WhatsApp number) of an ad."""
    compact = {
        k: ad.get(k)
        for k in ("id", "source", "url", "title", "location", "posted_at", "price", "currency")
    }
    date = ad.get("posted_at") or first_seen
    return [
        PhoneSighting(phone, ad["id"], ad["source"], ad.get("location"), date, compact)
        for phone in _ad_phones(ad)
    ]
