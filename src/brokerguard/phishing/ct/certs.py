"""The facts of a logged certificate that a phishing case needs (A8.1 evidence).

Names come from the SAN DNS names and the subject CN, wildcards stripped
(``*.yuanta-login.top`` -> ``yuanta-login.top``), lower-cased and IDN-decoded by
the scorer's parser. A precert entry logs a bare ``TBSCertificate``; it is
wrapped in a certificate envelope (its own signature algorithm, an empty
signature) so ``cryptography`` parses it like any certificate. Nothing here
verifies the CA's signature: the log's tree head signature is what is checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID

from brokerguard.phishing.ct.tls import PRECERT_ENTRY, CTFormatError, LogLeaf

#: a certificate naming more hosts than this is refused as an entry error
MAX_NAMES = 1000
MAX_NAME_LENGTH = 253


@dataclass(frozen=True)
class CertFacts:
    names: tuple[str, ...]
    sha256: str  # hex SHA-256 of the logged DER (certificate or TBSCertificate)
    issuer: str
    not_before: datetime
    not_after: datetime
    precert: bool


def _der_element(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of element) of the DER element at ``pos``."""
    if pos + 2 > len(data):
        raise CTFormatError("TBSCertificate: truncated DER", field="tbs_certificate")
    tag = data[pos]
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise CTFormatError("TBSCertificate: bad DER length", field="tbs_certificate")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise CTFormatError("TBSCertificate: truncated DER", field="tbs_certificate")
    return tag, pos, end


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


def _names(cert: x509.Certificate) -> list[str]:
    found: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        pass
    else:
        found.extend(san.value.get_values_for_type(x509.DNSName))
    for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        value = attribute.value
        if isinstance(value, str):
            found.append(value)
    names: list[str] = []
    for name in found:
        name = name.strip().lower().rstrip(".")
        while name.startswith("*."):
            name = name[2:]
        if name and len(name) <= MAX_NAME_LENGTH and " " not in name:
            names.append(name)
    return list(dict.fromkeys(names))


def cert_facts(leaf: LogLeaf) -> CertFacts:
    """Parse the logged certificate; raises :class:`CTFormatError` when it is not DER."""
    precert = leaf.entry_type == PRECERT_ENTRY
    der = wrap_tbs(leaf.body) if precert else leaf.body
    try:
        cert = x509.load_der_x509_certificate(der)
        names = _names(cert)
        issuer = cert.issuer.rfc4514_string()
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    except (ValueError, TypeError) as exc:
        raise CTFormatError(
            f"{'precert TBSCertificate' if precert else 'certificate'} is not valid DER "
            f"({str(exc)[:120]})",
            field="certificate",
        ) from None
    if len(names) > MAX_NAMES:
        raise CTFormatError(
            f"certificate names {len(names)} hosts (more than {MAX_NAMES})", field="names"
        )
    return CertFacts(
        names=tuple(names),
        sha256=hashlib.sha256(leaf.body).hexdigest(),
        issuer=issuer[:512],
        not_before=not_before,
        not_after=not_after,
        precert=precert,
    )
