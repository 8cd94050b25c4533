"""The facts of a logged certificate that a phishing case needs (A8.1 evidence).

Names come from the SAN DNS names and the subject CN, wildcards stripped
(``*.yuanta-login.top`` -> ``yuanta-login.top``), lower-cased and IDN-decoded by
the scorer's parser. A precert entry logs a bare ``TBSCertificate``; it is
wrapped in a certificate envelope (its own signature algorithm, an empty
signature) so ``cryptography`` parses it like any certificate. Nothing here
verifies the CA's signature: the log's tree head signature is what is checked.

The monitor's hot path (:func:`cert_names`) lets ``cryptography`` parse every
certificate (so what is not DER is an entry error) and reads the names in one
walk over the DER it has just accepted: the TBSCertificate's top-level fields,
the extension list and, for the subjectAltName and the subject only, their
contents. Building ``cryptography``'s extension and name objects for every
logged certificate costs several times more than the walk.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from cryptography import x509

from brokerguard.phishing.ct.tls import PRECERT_ENTRY, CTFormatError, LogLeaf, parse_leaf

#: a certificate naming more hosts than this is refused as an entry error
MAX_NAMES = 1000
MAX_NAME_LENGTH = 253


@dataclass(frozen=True)
class CertFacts:
    """Names and digest of a logged certificate; issuer and validity read on demand."""

    names: tuple[str, ...]
    #: the logged DER: the certificate (x509 entry) or the TBSCertificate (precert)
    logged: bytes
    precert: bool
    certificate: x509.Certificate

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the logged DER (computed for flagged entries only)."""
        return hashlib.sha256(self.logged).hexdigest()

    @property
    def issuer(self) -> str:
        try:
            return self.certificate.issuer.rfc4514_string()[:512]
        except ValueError:
            return "(issuer does not parse)"

    @property
    def not_before(self) -> datetime | None:
        try:
            return self.certificate.not_valid_before_utc
        except ValueError:
            return None

    @property
    def not_after(self) -> datetime | None:
        try:
            return self.certificate.not_valid_after_utc
        except ValueError:
            return None


class _DERError(Exception):
    """A DER element that does not fit (turned into :class:`CTFormatError` by the caller)."""


def _element(data: bytes, pos: int, limit: int) -> tuple[int, int, int]:
    """(tag, start of content, end) of the DER element at ``pos``, which must end by ``limit``.

    Only low tag numbers (every tag of a certificate) and definite lengths of up
    to four bytes are accepted. An index past the data raises ``IndexError``,
    which the callers report like any other truncation.
    """
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:  # the short form: most elements of a certificate
        start = pos + 2
        end = start + first
    elif first == 0x82:
        start = pos + 4
        end = start + (data[pos + 2] << 8 | data[pos + 3])
    elif first == 0x81:
        start = pos + 3
        end = start + data[pos + 2]
    elif 0x83 <= first <= 0x84:
        start = pos + 2 + (first & 0x7F)
        end = start + int.from_bytes(data[pos + 2 : start], "big")
    else:
        raise _DERError("bad DER length")
    if end > limit or tag & 0x1F == 0x1F:
        raise _DERError("truncated DER" if end > limit else "high tag number")
    return tag, start, end


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


class _Layout(NamedTuple):
    """Where the fields the monitor reads sit in a TBSCertificate (content bounds)."""

    algorithm: tuple[int, int]  # the signature AlgorithmIdentifier element
    subject: tuple[int, int]
    extensions: tuple[int, int] | None  # the SEQUENCE OF Extension's content


def _layout(data: bytes, pos: int = 0, limit: int | None = None) -> _Layout:
    """Walk the top-level fields of the TBSCertificate at ``data[pos:limit]`` (RFC 5280 4.1).

    ``limit`` defaults to the end of ``data``; the TBSCertificate must fill it exactly.
    """
    limit = len(data) if limit is None else limit
    tag, pos, end = _element(data, pos, limit)
    if tag != 0x30 or end != limit:
        raise _DERError("not one DER SEQUENCE")
    tag, _, next_pos = _element(data, pos, end)
    if tag == 0xA0:  # [0] EXPLICIT version
        pos = next_pos
        tag, _, next_pos = _element(data, pos, end)
    if tag != 0x02:
        raise _DERError("no serial number")
    pos = next_pos
    tag, _, next_pos = _element(data, pos, end)
    if tag != 0x30:
        raise _DERError("no signature algorithm")
    algorithm = (pos, next_pos)
    _, _, pos = _element(data, next_pos, end)  # issuer
    _, _, pos = _element(data, pos, end)  # validity
    tag, subject_start, subject_end = _element(data, pos, end)
    if tag != 0x30:
        raise _DERError("no subject")
    _, _, pos = _element(data, subject_end, end)  # subjectPublicKeyInfo
    extensions = None
    while pos < end:  # [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions
        tag, start, pos = _element(data, pos, end)
        if tag == 0xA3:
            _, inner_start, inner_end = _element(data, start, pos)
            extensions = (inner_start, inner_end)
    return _Layout(algorithm, (subject_start, subject_end), extensions)


def wrap_tbs(tbs: bytes) -> bytes:
    """A certificate DER around a bare TBSCertificate (empty signature), for parsing."""
    try:
        return _wrap(tbs, _layout(tbs))
    except (_DERError, IndexError, ValueError) as exc:
        raise CTFormatError(f"TBSCertificate: {_reason(exc)}", field="tbs_certificate") from None


def _wrap(tbs: bytes, layout: _Layout) -> bytes:
    start, end = layout.algorithm
    body = tbs + tbs[start:end] + b"\x03\x01\x00"
    return b"\x30" + _der_length(len(body)) + body


_CN_OID = b"\x06\x03\x55\x04\x03"  # 2.5.4.3, as an encoded OBJECT IDENTIFIER
_SAN_OID = b"\x06\x03\x55\x1d\x11"  # 2.5.29.17
_DNS_NAME = 0x82  # GeneralName dNSName [2] IA5String
_STRING_CODECS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1",
                  0x1E: "utf-16-be", 0x1C: "utf-32-be"}  # fmt: skip


def _san_dns_names(tbs: bytes, extensions: tuple[int, int], names: list[str]) -> None:
    """Append the dNSNames of the subjectAltName extension, if there is one.

    As in every loop of the hot path, an element of the expected tag in the short
    length form (nearly every one in a certificate) is read in place, any other by
    :func:`_element`.
    """
    pos, end = extensions
    while pos < end:  # each Extension: SEQUENCE { extnID, critical?, extnValue }
        if tbs[pos] == 0x30 and tbs[pos + 1] < 0x80:
            start = pos + 2
            pos = start + tbs[pos + 1]
            if pos > end:
                raise _DERError("truncated DER")
        else:
            _, start, pos = _element(tbs, pos, end)
        if tbs.startswith(_SAN_OID, start):
            break
    else:
        return
    tag, value, value_end = _element(tbs, start + 5, pos)
    if tag == 0x01:  # critical BOOLEAN
        tag, value, value_end = _element(tbs, value_end, pos)
    if tag != 0x04:
        raise _DERError("subjectAltName is not an OCTET STRING")
    tag, name, end = _element(tbs, value, value_end)  # GeneralNames
    if tag != 0x30 or end != value_end:
        raise _DERError("subjectAltName is not one SEQUENCE")
    while name < end:
        tag = tbs[name]
        first = tbs[name + 1]
        if first < 0x80:
            start = name + 2
            name = start + first
            if name > end:
                raise _DERError("truncated GeneralName")
        else:
            tag, start, name = _element(tbs, name, end)
        if tag == _DNS_NAME:
            try:
                names.append(tbs[start:name].decode("ascii"))
            except UnicodeDecodeError:
                raise _DERError("a subjectAltName dNSName is not ASCII") from None


def _common_names(tbs: bytes, subject: tuple[int, int], names: list[str]) -> None:
    """Append the subject's commonName values (each RDN a SET of attributes)."""
    pos, end = subject
    while pos < end:
        if tbs[pos] == 0x31 and tbs[pos + 1] < 0x80:  # the RDN SET
            inner = pos + 2
            pos = inner + tbs[pos + 1]
            if pos > end:
                raise _DERError("truncated DER")
        else:
            _, inner, pos = _element(tbs, pos, end)
        while inner < pos:
            if tbs[inner] == 0x30 and tbs[inner + 1] < 0x80:  # an AttributeTypeAndValue
                attribute = inner + 2
                inner = attribute + tbs[inner + 1]
                if inner > pos:
                    raise _DERError("truncated DER")
            else:
                _, attribute, inner = _element(tbs, inner, pos)
            if tbs.startswith(_CN_OID, attribute):
                tag, start, stop = _element(tbs, attribute + 5, inner)
                codec = _STRING_CODECS.get(tag)
                if codec is not None:
                    # try/except costs nothing when nothing is raised, unlike suppress()
                    try:  # noqa: SIM105
                        names.append(tbs[start:stop].decode(codec))
                    except UnicodeDecodeError:
                        pass  # not a host name


def _names(tbs: bytes, layout: _Layout) -> list[str]:
    names: list[str] = []
    if layout.extensions is not None:
        _san_dns_names(tbs, layout.extensions, names)
    _common_names(tbs, layout.subject, names)
    return names


def tbs_names(tbs: bytes) -> list[str]:
    """The SAN DNS names then the subject CNs of a TBSCertificate, read from its DER.

    Raises :class:`CTFormatError` when the walk meets DER that does not fit.
    """
    try:
        return _names(tbs, _layout(tbs))
    except (_DERError, IndexError, ValueError) as exc:
        raise CTFormatError(f"TBSCertificate: {_reason(exc)}", field="tbs_certificate") from None


def _reason(exc: Exception) -> str:
    return "truncated DER" if isinstance(exc, IndexError) else str(exc)[:120]


def _normalised_name(raw: str) -> str:
    """``raw`` as scored: stripped, lower case, no trailing dot or ``*.``; ``""``: dropped."""
    name = raw.strip().lower().rstrip(".")
    while name.startswith("*."):
        name = name[2:]
    return name if len(name) <= MAX_NAME_LENGTH and " " not in name else ""


def _normalised(found: list[str]) -> tuple[str, ...]:
    names = dict.fromkeys(map(_normalised_name, found))
    names.pop("", None)
    if len(names) > MAX_NAMES:
        raise CTFormatError(
            f"certificate names {len(names)} hosts (more than {MAX_NAMES})", field="names"
        )
    return tuple(names)


#: any white space but the new line that joins names (``\s`` is ``str.isspace``)
_SPACE = re.compile(r"[^\S\n]")


def normalised_names(found: list[str]) -> list[str]:
    """Each of ``found`` as the monitor scores it, in order; ``""`` for a dropped name.

    Stripped, lower-cased, trailing dots and leading ``*.`` wildcards removed; an
    empty, over-long or spaced name is dropped: what :func:`cert_names` does name
    by name, done here for a page of names at once on the text joining them (C
    string operations, not Python steps per name) whenever they are ASCII without
    white space or trailing dots, and name by name otherwise.
    """
    if not found:
        return []
    text = "\n" + "\n".join(found) + "\n"
    if (
        text.count("\n") != len(found) + 1
        or not text.isascii()
        or ".\n" in text
        or _SPACE.search(text)
    ):
        return list(map(_normalised_name, found))
    text = text.lower()
    while "\n*." in text:
        text = text.replace("\n*.", "\n")
    names = text[1:-1].split("\n")
    if max(map(len, names)) > MAX_NAME_LENGTH:
        names = [name if len(name) <= MAX_NAME_LENGTH else "" for name in names]
    return names


def _tbs_bounds(der: bytes) -> tuple[int, int]:
    """Where the TBSCertificate of a certificate ``cryptography`` accepted lies."""
    _, start, end = _element(der, 0, len(der))
    _, _, tbs_end = _element(der, start, end)
    return start, tbs_end


def _parsed(leaf: LogLeaf) -> tuple[x509.Certificate, list[str]]:
    """The certificate as ``cryptography`` parses it and its raw names (SAN, then CN)."""
    precert = leaf.entry_type == PRECERT_ENTRY
    what = "precert TBSCertificate" if precert else "certificate"
    body = leaf.body
    try:
        if precert:
            layout = _layout(body)
            cert = x509.load_der_x509_certificate(_wrap(body, layout))
        else:
            cert = x509.load_der_x509_certificate(body)
            layout = _layout(body, *_tbs_bounds(body))
        return cert, _names(body, layout)
    except (_DERError, IndexError, ValueError, TypeError, x509.InvalidVersion) as exc:
        # InvalidVersion: a version number X.509 does not define (not a ValueError)
        message = f"{what} is not valid DER ({_reason(exc)})"
        raise CTFormatError(message, field="certificate") from None


def logged_names(leaf_input: bytes) -> list[str]:
    """The raw host names of a logged entry: SAN dNSNames then subject CNs, as written.

    The hot path of the monitor: the ``leaf_input`` is sliced, the certificate
    parsed by ``cryptography`` (so non-DER is an entry error) and the names read
    in one DER walk; nothing else is kept. :func:`normalised_names` turns a
    page of them into scored names. Raises :class:`CTFormatError`, also for a
    certificate naming more than :data:`MAX_NAMES` distinct hosts.
    """
    found = _parsed(parse_leaf(leaf_input))[1]
    if len(found) > MAX_NAMES:
        _normalised(found)  # raises when more than MAX_NAMES remain distinct
    return found


def cert_names(leaf: LogLeaf) -> tuple[str, ...]:
    """The distinct host names of a logged certificate (SAN DNS names, then subject CNs).

    Raises :class:`CTFormatError`.
    """
    return _normalised(_parsed(leaf)[1])


def cert_facts(leaf: LogLeaf) -> CertFacts:
    """Names, digest, issuer and validity of the logged certificate (A8.1 evidence).

    Raises :class:`CTFormatError` when it is not DER.
    """
    cert, found = _parsed(leaf)
    return CertFacts(
        names=_normalised(found),
        logged=leaf.body,
        precert=leaf.entry_type == PRECERT_ENTRY,
        certificate=cert,
    )
