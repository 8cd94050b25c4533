"""The official app list (A6.3.1.2): generated from the registry, checked against the website.

:func:`official_listing` lists each customer-facing app's current release (name,
version, download link). :func:`listing_html` and :func:`listing_json` render it
for the website; :func:`compare_published` reads the page the firm published
(JSON in the same shape, or any HTML) and reports each app or version that differs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any

from jinja2 import Environment, select_autoescape
from sqlalchemy.orm import Session

from brokerguard.errors import ServiceUnavailableError, ValidationError
from brokerguard.mobile.registry import latest_released, list_apps


@dataclass(frozen=True)
class ListingEntry:
    app: str
    name_zh: str
    name_en: str
    platform: str
    version: str
    download_url: str
    store_urls: tuple[str, ...]


def official_listing(session: Session) -> list[ListingEntry]:
    entries: list[ListingEntry] = []
    for app in list_apps(session):
        if not app.customer_facing:
            continue
        current = latest_released(session, app)
        if current is None:
            continue
        entries.append(
            ListingEntry(
                app=app.slug,
                name_zh=app.name_zh,
                name_en=app.name_en,
                platform=app.platform,
                version=current.version_name,
                download_url=app.download_url or (app.store_urls[0] if app.store_urls else ""),
                store_urls=tuple(app.store_urls),
            )
        )
    return entries


def listing_json(entries: list[ListingEntry]) -> str:
    return json.dumps(
        {"apps": [{**asdict(e), "store_urls": list(e.store_urls)} for e in entries]},
        ensure_ascii=False,
        indent=2,
    )


_TEMPLATE = """<!doctype html>
<html lang="zh-Hant-TW">
<head><meta charset="utf-8"><title>{{ firm_zh }} 官方行動應用程式 / Official apps</title></head>
<body>
<h1>{{ firm_zh }} 官方行動應用程式</h1>
<p>{{ firm_en }}: official mobile apps. 請僅由下列連結下載。</p>
<table>
<thead><tr><th>名稱 Name</th><th>平台 Platform</th><th>版本 Version</th>
<th>下載 Download</th></tr></thead>
<tbody>
{% for e in entries %}<tr data-app="{{ e.app }}" data-version="{{ e.version }}">
<td>{{ e.name_zh }} / {{ e.name_en }}</td><td>{{ e.platform }}</td>
<td class="version">{{ e.version }}</td>
<td><a href="{{ e.download_url }}">{{ e.download_url }}</a></td></tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def listing_html(entries: list[ListingEntry], firm_zh: str, firm_en: str) -> str:
    return _env.from_string(_TEMPLATE).render(entries=entries, firm_zh=firm_zh, firm_en=firm_en)


@dataclass
class _Published:
    """What a published page shows: per app its version and links, all links, its text."""

    versions: dict[str, str] = field(default_factory=dict)
    row_links: dict[str, set[str]] = field(default_factory=dict)
    links: set[str] = field(default_factory=set)
    text: str = ""


class _RowParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = _Published()
        self.text: list[str] = []
        self.row: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        app = values.get("data-app")
        if app:
            self.row = app
            self.found.versions[app] = values.get("data-version") or ""
            self.found.row_links.setdefault(app, set())
        href = (values.get("href") or "").strip()
        if tag == "a" and href:
            self.found.links.add(href)
            if self.row is not None:
                self.found.row_links[self.row].add(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self.row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _published(content: bytes) -> _Published:
    text = content.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data: Any = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"published listing is not valid JSON: {exc}", field="listing"
            ) from None
        apps = data.get("apps") if isinstance(data, dict) else None
        if not isinstance(apps, list):
            raise ValidationError("published JSON has no 'apps' list", field="listing")
        found = _Published()
        for item in apps:
            if isinstance(item, dict) and item.get("app"):
                app = str(item["app"])
                found.versions[app] = str(item.get("version", ""))
                link = str(item.get("download_url") or "").strip()
                found.row_links[app] = {link} if link else set()
        return found
    parser = _RowParser()
    parser.feed(text)
    parser.found.text = " ".join(parser.text)
    return parser.found


def compare_published(expected: list[ListingEntry], content: bytes) -> list[str]:
    """Differences between the registry's listing and the published page (empty: in sync).

    A6.3.1.2 names the app's name, version *and download location*: the registry's
    download link must be the published row's link (or, on a free-form page, a link
    on the page)."""
    page = _published(content)
    problems: list[str] = []
    for entry in expected:
        if entry.app in page.versions:
            if page.versions[entry.app] != entry.version:
                problems.append(
                    f"{entry.app}: published version {page.versions[entry.app]!r}, "
                    f"registry {entry.version!r}"
                )
            links = page.row_links.get(entry.app, set())
        elif page.text and entry.name_zh in page.text and entry.version in page.text:
            links = page.links
        else:
            problems.append(f"{entry.app}: not on the published page")
            continue
        if not entry.download_url:
            problems.append(f"{entry.app}: the registry has no download location to publish")
        elif entry.download_url not in links:
            problems.append(
                f"{entry.app}: download location {entry.download_url!r} not on the published page"
            )
    known = {e.app for e in expected}
    for app in sorted(set(page.versions) - known):
        problems.append(f"{app}: published but not a released app in the registry")
    return problems


def fetch_published(url: str, *, timeout_s: float, max_bytes: int) -> bytes:
    """GET the published listing (http/https only), at most ``max_bytes``."""
    if not url.startswith(("https://", "http://")):
        raise ValidationError(f"listing URL must be http(s): {url!r}", field="listing_url")
    headers = {"User-Agent": "brokerguard-listing-check"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            content: bytes = response.read(max_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ServiceUnavailableError(f"cannot fetch the published listing {url}: {exc}") from None
    if len(content) > max_bytes:
        raise ValidationError(
            f"published listing is larger than {max_bytes} bytes", field="listing"
        )
    return content
