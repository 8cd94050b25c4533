"""Apple App Store listings through the iTunes Search API, for counterfeit apps (A6.3.1.3).

``GET {base}search?term=...&entity=software&country=tw`` answers JSON
``{"resultCount", "results": [{"trackName", "bundleId", "sellerName",
"artworkUrl100", "trackViewUrl", ...}]}``. Each brand is searched by its Chinese
and English names; every listing is judged by :func:`~.apps.assess_app`. An app
whose ``bundleId`` is one of the brand's official iOS bundle IDs is the official
app (the App Store does not let another developer publish under it). The
listing's artwork URL and seller are kept in the verdict's reasons as evidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from brokerguard.phishing.apps import AppVerdict, BrandLook, assess_app
from brokerguard.phishing.brands import Brand
from brokerguard.phishing.romanize import core_name
from brokerguard.phishing.scoring import Reason

ITUNES_SEARCH_URL = "https://itunes.apple.com/"
MAX_ANSWER_BYTES = 4 * 1024 * 1024
MAX_RESULTS = 200


class StoreUnavailableError(ValidationError):
    """The store did not answer usably (network, HTTP status, not JSON, wrong shape)."""

    code = "store_unavailable"


@dataclass(frozen=True)
class StoreApp:
    track_name: str
    bundle_id: str
    seller: str
    artwork_url: str
    url: str


def _text(item: dict[str, Any], key: str, limit: int) -> str:
    value = item.get(key, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


class AppStoreClient:
    def __init__(
        self, http: httpx.Client, *, base_url: str = ITUNES_SEARCH_URL, country: str = "tw"
    ) -> None:
        self.http = http
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.country = country

    def search(self, term: str, limit: int = 50) -> list[StoreApp]:
        params: dict[str, str | int] = {
            "term": term,
            "entity": "software",
            "country": self.country,
            "limit": limit,
        }
        try:
            response = self.http.get(f"{self.base_url}search", params=params)
        except httpx.HTTPError as exc:
            raise StoreUnavailableError(f"App Store search: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise StoreUnavailableError(f"App Store search: HTTP {response.status_code}")
        if len(response.content) > MAX_ANSWER_BYTES:
            raise StoreUnavailableError("App Store search: answer larger than 4 MiB")
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise StoreUnavailableError("App Store search: the answer is not JSON") from None
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise StoreUnavailableError("App Store search: no results list")
        apps = []
        for item in results[:MAX_RESULTS]:
            if not isinstance(item, dict):
                continue
            bundle, title = _text(item, "bundleId", 255), _text(item, "trackName", 256)
            if not bundle or not title:
                continue  # not an app listing (or a malformed one): nothing to judge
            apps.append(
                StoreApp(
                    track_name=title,
                    bundle_id=bundle,
                    seller=_text(item, "sellerName", 256),
                    artwork_url=_text(item, "artworkUrl100", 2048),
                    url=_text(item, "trackViewUrl", 2048),
                )
            )
        return apps


def search_terms(look: BrandLook) -> list[str]:
    spec = look.brand.spec
    return list(dict.fromkeys(t for t in (core_name(spec.name_zh), spec.name_en) if t))


def scan_app_store(client: AppStoreClient, looks: Sequence[BrandLook]) -> list[AppVerdict]:
    """Every brand searched; one verdict per listed app (official ones included)."""
    verdicts: dict[str, AppVerdict] = {}
    for look in looks:
        official = {a.package for a in look.brand.spec.apps if a.platform == "ios"}
        for term in search_terms(look):
            for app in client.search(term):
                if app.bundle_id in verdicts:
                    continue
                if app.bundle_id in official:
                    verdicts[app.bundle_id] = AppVerdict(
                        "listing:appstore", app.track_name, app.bundle_id, [], look.brand.key,
                        "official", "package",
                        [Reason("official_bundle", f"{look.brand.spec.name_zh}的官方 App",
                                f"the official app of {look.brand.spec.name_en}")],
                    )  # fmt: skip
                    continue
                verdict = assess_app(
                    looks,
                    source="listing:appstore",
                    title=app.track_name,
                    package=app.bundle_id,
                    certs=[],
                )
                if verdict.flagged:
                    verdict.reasons.append(
                        Reason(
                            "store_listing",
                            f"App Store 上架者「{app.seller}」，圖示 {app.artwork_url}",
                            f"listed on the App Store by {app.seller!r}, artwork {app.artwork_url}",
                        )
                    )
                verdicts[app.bundle_id] = verdict
    return list(verdicts.values())


def record_app_store_scan(
    session: Session,
    clock: Clock,
    client: AppStoreClient,
    brands: Sequence[Brand],
    *,
    settings: Settings | None,
    actor: str,
) -> list[AppVerdict]:
    """Scan the App Store for every brand, record the run and open a case per counterfeit."""
    from brokerguard.phishing import service
    from brokerguard.phishing.apps import brand_looks

    started = clock.now()
    verdicts = scan_app_store(client, brand_looks(brands))
    counterfeit = [v for v in verdicts if v.flagged]
    service.record_scan(
        session,
        clock,
        source="apps",
        started_at=started,
        names=len(verdicts),
        flagged=len(counterfeit),
        rejected=0,
        description="App Store (iTunes Search API)",
        settings=settings,
        actor=actor,
    )
    for verdict in counterfeit:
        service.open_app_case(session, clock, verdict, actor=actor)
    return verdicts
