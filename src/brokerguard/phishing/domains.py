"""Turning observed text (a domain, a URL, a defanged link) into a checked host name.

Every refusal names its reason: garbage, too long, IP literal, credentials or a
port in a URL, a non-web scheme, punycode that does not decode, invalid IDNA,
no public suffix. A label that mixes scripts is *not* refused: it is the
homograph attack itself, and the scorer flags it (:mod:`brokerguard.phishing.idn`).
The registrable domain comes from the public suffix list bundled with
``tldextract`` (never fetched: the
extractor is built with ``suffix_list_urls=()``; PSL private suffixes such as
``github.io`` count as suffixes, so ``yuanta.github.io`` is its own site).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import idna
import tldextract

from brokerguard.errors import ValidationError

MAX_HOST_LENGTH = 253
MAX_INPUT_LENGTH = 4096
WEB_SCHEMES = frozenset({"http", "https"})
_DEFANGED = (("hxxps://", "https://"), ("hxxp://", "http://"), ("[.]", "."), ("(.)", "."))
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ASCII_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


class HostError(ValidationError):
    """An observed host that cannot be checked; ``message`` says why."""

    code = "invalid_host"


@dataclass(frozen=True)
class Host:
    """A host name split at its public suffix. ``label`` is the registrable label."""

    ascii: str  # xn-- form, lower case, no trailing dot
    unicode: str  # display form
    subdomain: str  # ASCII, may be empty
    label: str  # ASCII (xn-- when IDN)
    suffix: str  # ASCII public suffix, may be empty
    label_unicode: str

    @property
    def registrable(self) -> str:
        return f"{self.label}.{self.suffix}" if self.suffix else self.label

    @property
    def is_idn(self) -> bool:
        return "xn--" in self.ascii


@cache
def extractor() -> tldextract.TLDExtract:
    """The offline public-suffix splitter (bundled snapshot, never a network fetch)."""
    return tldextract.TLDExtract(
        suffix_list_urls=(),
        cache_dir=None,
        fallback_to_snapshot=True,
        include_psl_private_domains=True,
    )


def _strip_url(text: str, field: str) -> str:
    """The host part of a URL or of ``host/path`` text, refusing what a host may not carry."""
    lowered = text.lower()
    for old, new in _DEFANGED:
        lowered = lowered.replace(old, new)
    if "://" in lowered or lowered.startswith("//"):
        try:
            parts = urlsplit(lowered if not lowered.startswith("//") else "http:" + lowered)
            port = parts.port
        except ValueError as exc:
            raise HostError(f"not a valid URL: {exc}", field=field) from None
        if parts.scheme not in WEB_SCHEMES:
            raise HostError(f"scheme {parts.scheme!r} is not http or https", field=field)
        if parts.username is not None or parts.password is not None:
            raise HostError("URL carries credentials (user@host): refused", field=field)
        if port is not None:
            raise HostError(f"URL names a port ({port}): refused", field=field)
        netloc = parts.netloc
        if netloc.startswith("["):
            raise HostError("IP literal, not a domain", field=field)
        return netloc
    if "@" in lowered.split("/", 1)[0]:
        raise HostError("text carries credentials (user@host): refused", field=field)
    host = re.split(r"[/?#]", lowered, maxsplit=1)[0]
    if host.count(":") == 1 and host.rsplit(":", 1)[1].isdigit():
        raise HostError("names a port: refused", field=field)
    return host


def parse_host(text: str, *, field: str = "domain") -> Host:
    """Check and split a domain or URL. Raises :class:`HostError` naming the reason."""
    if not isinstance(text, str):
        raise HostError("not text", field=field)
    raw = text.strip()
    if not raw:
        raise HostError("empty", field=field)
    if len(raw) > MAX_INPUT_LENGTH:
        raise HostError(f"longer than {MAX_INPUT_LENGTH} characters", field=field)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp") for c in raw):
        raise HostError("contains spaces or control characters", field=field)
    host = _strip_url(raw, field).rstrip(".")
    if not host:
        raise HostError("no host name", field=field)
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise HostError("IP literal, not a domain", field=field)
    if re.fullmatch(r"[0-9.]+", host):
        raise HostError("IP literal, not a domain", field=field)
    if len(host) > MAX_HOST_LENGTH:
        raise HostError(f"longer than {MAX_HOST_LENGTH} characters", field=field)
    if host.isascii() and "xn--" not in host:
        if not _ASCII_HOST.match(host):
            raise HostError("not a valid host name (letters, digits, hyphens, dots)", field=field)
        ascii_host = unicode_host = host
    else:
        if host.isascii():  # A-labels: decoding checks them, the ASCII form is the input
            if not _ASCII_HOST.match(host):
                raise HostError(
                    "not a valid host name (letters, digits, hyphens, dots)", field=field
                )
            unicode_host, ascii_host = _decode(host, field), host
        else:
            try:
                ascii_host = idna.encode(host, uts46=True).decode("ascii")
            except (idna.IDNAError, UnicodeError) as exc:
                raise HostError(f"invalid IDNA: {exc}", field=field) from None
            unicode_host = _decode(ascii_host, field)
        if len(ascii_host) > MAX_HOST_LENGTH:
            raise HostError(f"longer than {MAX_HOST_LENGTH} characters", field=field)
    if "." not in ascii_host:
        raise HostError("a single label is not a domain", field=field)
    return split_host(ascii_host, unicode_host, field=field)


def _decode(host: str, field: str) -> str:
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                decoded = idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                raise HostError(f"punycode label {label!r} does not decode", field=field) from None
            labels.append(decoded)
        else:
            labels.append(label)
    return ".".join(labels)


def split_host(ascii_host: str, unicode_host: str, *, field: str = "domain") -> Host:
    parts = extractor()(ascii_host)
    if not parts.suffix or not parts.domain:
        raise HostError("not under a public suffix", field=field)
    label_unicode = parts.domain
    if label_unicode.startswith("xn--"):
        try:
            label_unicode = idna.decode(label_unicode)
        except (idna.IDNAError, UnicodeError):
            raise HostError("punycode label does not decode", field=field) from None
    return Host(
        ascii=ascii_host,
        unicode=unicode_host,
        subdomain=parts.subdomain,
        label=parts.domain,
        suffix=parts.suffix,
        label_unicode=label_unicode,
    )


def to_ascii(host: str) -> str | None:
    """IDNA-encode a generated candidate; None when it is not a valid host name."""
    if host.isascii():
        return host if len(host) <= MAX_HOST_LENGTH and _ASCII_HOST.match(host) else None
    try:
        encoded = idna.encode(host, uts46=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    return encoded if len(encoded) <= MAX_HOST_LENGTH else None
