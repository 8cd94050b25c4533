"""The facts of a logged certificate that a phishing case needs (A8.1 evidence).

Names come from the SAN DNS names and the subject CN, wildcards stripped
(``*.yuanta-login.top`` -> ``yuanta-login.top``), lower-cased and IDN-decoded by
the scorer's parser. A precert entry logs a bare ``TBSCertificate``; it is
wrapped in a certificate envelope (its own signature algorithm, an empty
signature) so ``cryptography`` parses it like any certificate. Nothing here
verifies the CA's signature: the log's tree head signature is what is checked.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from brokerguard.phishing.ct.tls import PRECERT_ENTRY, CTFormatError, LogLeaf

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


def _der_element(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of element) of the DER element at ``pos``."""
    size = len(data)
    if pos + 2 > size:
        raise CTFormatError("TBSCertificate: truncated DER", field="tbs_certificate")
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:  # the short form: most elements of a certificate
        start, end = pos + 2, pos + 2 + first
    elif first == 0x82 and pos + 4 <= size:
        start = pos + 4
        end = start + (data[pos + 2] << 8 | data[pos + 3])
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + 2 + count > size:
            raise CTFormatError("TBSCertificate: bad DER length", field="tbs_certificate")
        start = pos + 2 + count
        end = start + int.from_bytes(data[pos + 2 : start], "big")
    if end > size:
        raise CTFormatError("TBSCertificate: truncated DER", field="tbs_certificate")
    return tag, start, end


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def wrap_tbs(tbs: bytes) -> bytes:
    """A certificate DER around a bare TBSCertificate (empty signature), for parsing."""
    tag, start, end = _der_element(tbs, 0)
    if tag != 0x30 or end != len(tbs):
        raise CTFormatError("TBSCertificate is not one DER SEQUENCE", field="tbs_certificate")
    pos = start
    tag, _, pos_end = _der_element(tbs, pos)
    if tag == 0xA0:  # [0] version
        pos = pos_end
        tag, _, pos_end = _der_element(tbs, pos)
    pos = pos_end  # serial number
    tag, _, alg_end = _der_element(tbs, pos)
    if tag != 0x30:
        raise CTFormatError("TBSCertificate: no signature algorithm", field="tbs_certificate")
    algorithm = tbs[pos:alg_end]
    body = tbs + algorithm + b"\x03\x01\x00"
    return b"\x30" + _der_length(len(body)) + body


_CN_OID = b"\x55\x04\x03"  # 2.5.4.3
_SAN_OID = b"\x55\x1d\x11"  # 2.5.29.17
_DNS_NAME = 0x82  # GeneralName dNSName [2] IA5String
_STRING_CODECS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1",
                  0x1E: "utf-16-be", 0x1C: "utf-32-be"}  # fmt: skip


def _first_element(der: bytes) -> bytes:
    """The first element inside the outer SEQUENCE (a certificate's TBSCertificate)."""
    _, start, _ = _der_element(der, 0)
    _, _, end = _der_element(der, start)
    return der[start:end]


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(tag, content start, element end) of each element in ``der[start:end]``."""
    found = []
    while start < end:
        element = _der_element(der, start)
        found.append(element)
        start = element[2]
    if start != end:
        raise CTFormatError("TBSCertificate: element overruns its parent", field="tbs_certificate")
    return found


def _common_names(tbs: bytes, subject: tuple[int, int, int]) -> list[str]:
    names: list[str] = []
    pos, end = subject[1], subject[2]
    while pos < end:  # each RDN is a SET of AttributeTypeAndValue
        _, inner, set_end = _der_element(tbs, pos)
        while inner < set_end:
            _, attribute, inner = _der_element(tbs, inner)
            _, oid_start, oid_end = _der_element(tbs, attribute)
            if tbs[oid_start:oid_end] == _CN_OID:
                tag, value_start, value_end = _der_element(tbs, oid_end)
                codec = _STRING_CODECS.get(tag)
                if codec is not None:
                    with contextlib.suppress(UnicodeDecodeError):
                        names.append(tbs[value_start:value_end].decode(codec))
        pos = set_end
    return names


def _san_dns_names(tbs: bytes, extensions: tuple[int, int, int]) -> list[str]:
    _, pos, end = _der_element(tbs, extensions[1])  # [3] EXPLICIT SEQUENCE OF Extension
    while pos < end:
        _, start, pos = _der_element(tbs, pos)
        _, oid_start, oid_end = _der_element(tbs, start)
        if tbs[oid_start:oid_end] == _SAN_OID:
            break
    else:
        return []
    tag, value, value_end = _der_element(tbs, oid_end)
    if tag == 0x01:  # critical BOOLEAN
        tag, value, value_end = _der_element(tbs, value_end)
    if tag != 0x04:
        raise CTFormatError("subjectAltName is not an OCTET STRING", field="tbs_certificate")
    _, pos, end = _der_element(tbs, value)  # GeneralNames
    names: list[str] = []
    while pos < end:
        tag, name_start, pos = _der_element(tbs, pos)
        if tag == _DNS_NAME:
            try:
                names.append(tbs[name_start:pos].decode("ascii"))
            except UnicodeDecodeError:
                raise CTFormatError(
                    "a subjectAltName dNSName is not ASCII", field="tbs_certificate"
                ) from None
    return names


def tbs_names(tbs: bytes) -> list[str]:
    """The SAN DNS names then the subject CNs of a TBSCertificate, read from its DER.

    One walk over the fields the monitor needs is far cheaper than building
    ``cryptography``'s extension and name objects for every logged certificate;
    the certificate itself is still parsed by ``cryptography`` (:func:`cert_names`).
    """
    tag, start, end = _der_element(tbs, 0)
    if tag != 0x30 or end != len(tbs):
        raise CTFormatError("TBSCertificate is not one DER SEQUENCE", field="tbs_certificate")
    fields = _children(tbs, start, end)
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    if len(fields) < 6 or fields[4][0] != 0x30:
        raise CTFormatError("TBSCertificate: no subject", field="tbs_certificate")
    found: list[str] = []
    for field in fields[6:]:
        if field[0] == 0xA3:  # [3] extensions
            found.extend(_san_dns_names(tbs, field))
    found.extend(_common_names(tbs, fields[4]))
    return found


def _normalised(found: list[str]) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for raw in found:
        name = raw.strip().lower().rstrip(".")
        while name.startswith("*."):
            name = name[2:]
        if name and len(name) <= MAX_NAME_LENGTH and " " not in name:
            names[name] = None
    if len(names) > MAX_NAMES:
        raise CTFormatError(
            f"certificate names {len(names)} hosts (more than {MAX_NAMES})", field="names"
        )
    return tuple(names)


def _parsed(leaf: LogLeaf) -> tuple[x509.Certificate, tuple[str, ...]]:
    precert = leaf.entry_type == PRECERT_ENTRY
    try:
        if precert:
            tbs = leaf.body
            cert = x509.load_der_x509_certificate(wrap_tbs(tbs))
        else:
            cert = x509.load_der_x509_certificate(leaf.body)
            tbs = _first_element(leaf.body)
        return cert, _normalised(tbs_names(tbs))
    except (ValueError, TypeError) as exc:
        message = exc.message if isinstance(exc, CTFormatError) else str(exc)
        raise CTFormatError(
            f"{'precert TBSCertificate' if precert else 'certificate'} is not valid DER "
            f"({message[:120]})",
            field="certificate",
        ) from None


def cert_names(leaf: LogLeaf) -> tuple[str, ...]:
    """The host names of a logged certificate (SAN DNS names, then subject CNs).

    The hot path of the monitor: the certificate is parsed by ``cryptography``
    (so non-DER is an entry error) and the names read in one DER walk; nothing
    else is kept. Raises :class:`CTFormatError`.
    """
    return _parsed(leaf)[1]


def cert_facts(leaf: LogLeaf) -> CertFacts:
    """Names, digest, issuer and validity of the logged certificate (A8.1 evidence).

    Raises :class:`CTFormatError` when it is not DER.
    """
    cert, names = _parsed(leaf)
    return CertFacts(
        names=names,
        logged=leaf.body,
        precert=leaf.entry_type == PRECERT_ENTRY,
        certificate=cert,
    )
