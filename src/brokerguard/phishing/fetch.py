"""Page evidence of a suspected phishing site (optional network use).

:func:`fetch_page` resolves the host (dnspython), refuses private, loopback,
link-local and reserved addresses (unless the caller's ``address_allowed``
says otherwise: tests allow loopback only), connects to the address it checked
(no second lookup, so no DNS rebinding), reads at most ``max_bytes`` within
``timeout`` seconds, and follows at most five redirects, each checked the same
way; a redirect to a non-HTTP scheme is refused.

:func:`analyse_page` finds the title, a login form (a password field) and the
favicon; :func:`collect_evidence` stores the HTML and a JSON summary (SHA-256,
addresses, redirects, favicon perceptual-hash distance to the brand's icons)
as A8.1 evidence of the case.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import dns.exception
import dns.resolver
import imagehash
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import ValidationError
from brokerguard.phishing.apps import icon_hash
from brokerguard.phishing.models import PhishingCase
from brokerguard.phishing.service import add_evidence

MAX_REDIRECTS = 5
USER_AGENT = "brokerguard-phishing-evidence/1.0 (+security)"

Resolver = Callable[[str, float], list[str]]
AddressPolicy = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


class FetchError(ValidationError):
    code = "fetch_refused"


def public_only(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """The production policy: only globally routable addresses."""
    return address.is_global and not address.is_multicast


def dns_resolve(host: str, timeout: float) -> list[str]:
    """A and AAAA records of ``host`` (dnspython, bounded by ``timeout``)."""
    found: list[str] = []
    for kind in ("A", "AAAA"):
        try:
            answer = dns.resolver.resolve(host, kind, lifetime=timeout)
        except (dns.exception.DNSException, OSError):
            continue
        found.extend(str(r) for r in answer)
    return found


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    truncated: bool
    addresses: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with SNI and certificate check on the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def _checked_address(
    host: str, resolver: Resolver, allowed: AddressPolicy, timeout: float
) -> tuple[str, list[str]]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [str(literal)]
    except ValueError:
        addresses = resolver(host, timeout)
    if not addresses:
        raise FetchError(f"{host} does not resolve", field="url")
    for address in addresses:
        if not allowed(ipaddress.ip_address(address)):
            raise FetchError(f"{host} resolves to a non-public address {address}", field="url")
    return addresses[0], addresses


def fetch_page(
    url: str,
    *,
    resolver: Resolver = dns_resolve,
    address_allowed: AddressPolicy = public_only,
    timeout: float = 5.0,
    max_bytes: int = 2 * 1024 * 1024,
) -> FetchResult:
    """GET ``url`` under the rules above; raises :class:`FetchError` naming the refusal."""
    current = url
    redirects: list[str] = []
    seen_addresses: list[str] = []
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https"):
            raise FetchError(
                f"refused: {parts.scheme or 'no'} scheme in {current[:200]!r}", field="url"
            )
        if parts.username or parts.password:
            raise FetchError("refused: credentials in the URL", field="url")
        host = parts.hostname or ""
        if not host:
            raise FetchError("no host in the URL", field="url")
        address, addresses = _checked_address(host, resolver, address_allowed, timeout)
        seen_addresses.extend(a for a in addresses if a not in seen_addresses)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        connection: http.client.HTTPConnection = (
            _PinnedHTTPSConnection(host, address, port, timeout)
            if parts.scheme == "https"
            else _PinnedHTTPConnection(host, address, port, timeout)
        )
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location") or ""
                if not location:
                    raise FetchError("redirect without a Location", field="url")
                current = urljoin(current, location)
                redirects.append(current)
                continue
            body = response.read(max_bytes + 1)
            return FetchResult(
                url=url,
                final_url=current,
                status=response.status,
                content_type=response.getheader("Content-Type") or "",
                body=body[:max_bytes],
                truncated=len(body) > max_bytes,
                addresses=seen_addresses,
                redirects=redirects,
            )
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"fetch failed: {type(exc).__name__}: {exc}", field="url") from None
        finally:
            connection.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects", field="url")


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self._in_title = False
        self.password_fields = 0
        self.forms = 0
        self.icons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "form":
            self.forms += 1
        elif tag == "input" and values.get("type", "").lower() == "password":
            self.password_fields += 1
        elif tag == "link" and "icon" in values.get("rel", "").lower() and values.get("href"):
            self.icons.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < 512:
            self.title += data


@dataclass
class PageFacts:
    title: str
    login_form: bool
    icon_urls: list[str]
    brand_in_title: bool
    favicon_distance: int | None = None


def analyse_page(result: FetchResult, brand_names: Sequence[str]) -> PageFacts:
    parser = _PageParser()
    text = result.body.decode("utf-8", "replace")
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was found
        pass
    title = " ".join(parser.title.split())
    icons = [urljoin(result.final_url, href) for href in parser.icons[:5]] or [
        urljoin(result.final_url, "/favicon.ico")
    ]
    lowered = title.lower()
    return PageFacts(
        title=title,
        login_form=parser.password_fields > 0,
        icon_urls=icons,
        brand_in_title=any(n and n.lower() in lowered for n in brand_names),
    )


def favicon_distance(
    facts: PageFacts,
    brand_icons: Sequence[imagehash.ImageHash],
    fetch: Callable[[str], FetchResult],
) -> int | None:
    """Smallest pHash distance between the page's icon and the brand's icons (None: no icon)."""
    if not brand_icons:
        return None
    for url in facts.icon_urls:
        try:
            digest = icon_hash(fetch(url).body)
        except ValidationError:
            continue
        return min(digest - h for h in brand_icons)
    return None


def collect_evidence(
    session: Session,
    clock: Clock,
    settings: Settings,
    case: PhishingCase,
    result: FetchResult,
    facts: PageFacts,
    *,
    actor: str,
) -> list[str]:
    """Store the fetched HTML and a JSON summary as A8.1 evidence of ``case``."""
    from brokerguard.evidence.service import store_evidence

    html = store_evidence(
        session,
        clock,
        settings,
        content=result.body or b"<!-- empty response -->",
        filename=f"{case.number}-page.html",
        title=f"{case.number} 仿冒網頁內容 {case.target}"[:255],
        requirement_ids=["A8.1"],
        kind="monitoring_report",
        uploaded_by=actor,
        unit="資安專責單位",
    )
    summary = {
        "case": case.number,
        "url": result.url,
        "final_url": result.final_url,
        "status": result.status,
        "content_type": result.content_type,
        "html_sha256": result.sha256,
        "truncated": result.truncated,
        "addresses": result.addresses,
        "redirects": result.redirects,
        "fetched_at": clock.now().isoformat(),
        "page": asdict(facts),
    }
    meta = store_evidence(
        session,
        clock,
        settings,
        content=json.dumps(summary, ensure_ascii=False, indent=1).encode("utf-8"),
        filename=f"{case.number}-page.json",
        title=f"{case.number} 網頁擷取摘要 {case.target}"[:255],
        requirement_ids=["A8.1"],
        kind="monitoring_report",
        uploaded_by=actor,
        unit="資安專責單位",
    )
    for record in (html, meta):
        add_evidence(case, record.reference)
    session.flush()
    return [html.reference, meta.reference]
