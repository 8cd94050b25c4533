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


def _names(cert: x509.Certificate, tbs: bytes) -> list[str]:
    found: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        pass
    else:
        found.extend(san.value.get_values_for_type(x509.DNSName))
    found.extend(common_names(tbs))
    names: dict[str, None] = {}
    for raw in found:
        name = raw.strip().lower().rstrip(".")
        while name.startswith("*."):
            name = name[2:]
        if name and len(name) <= MAX_NAME_LENGTH and " " not in name:
            names[name] = None
    return list(names)


_CN_OID = b"\x55\x04\x03"  # 2.5.4.3
_STRING_CODECS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1",
                  0x1E: "utf-16-be", 0x1C: "utf-32-be"}  # fmt: skip


def _first_element(der: bytes) -> bytes:
    """The first element inside the outer SEQUENCE (a certificate's TBSCertificate)."""
    _, start, _ = _der_element(der, 0)
    _, _, end = _der_element(der, start)
    return der[start:end]


def common_names(tbs: bytes) -> list[str]:
    """The subject CNs of a TBSCertificate, read from its DER.

    A direct walk (subject is the fifth field after the optional version) is far
    cheaper than building ``cryptography``'s ``Name`` objects for every logged
    certificate; undecodable values are skipped.
    """
    _, pos, end = _der_element(tbs, 0)
    fields: list[tuple[int, int, int]] = []
    while pos < end and len(fields) < 6:
        element = _der_element(tbs, pos)
        fields.append(element)
        pos = element[2]
    if fields and fields[0][0] == 0xA0:
        fields = fields[1:]
    if len(fields) < 5 or fields[4][0] != 0x30:
        raise CTFormatError("TBSCertificate: no subject", field="tbs_certificate")
    _, pos, end = fields[4]
    names: list[str] = []
    while pos < end:  # each RDN is a SET of AttributeTypeAndValue
        _, inner, set_end = _der_element(tbs, pos)
        while inner < set_end:
            _, attribute, attribute_end = _der_element(tbs, inner)
            _, oid_start, oid_end = _der_element(tbs, attribute)
            if tbs[oid_start:oid_end] == _CN_OID:
                tag, value_start, value_end = _der_element(tbs, oid_end)
                codec = _STRING_CODECS.get(tag)
                if codec is not None:
                    with contextlib.suppress(UnicodeDecodeError):
                        names.append(tbs[value_start:value_end].decode(codec))
            inner = attribute_end
        pos = set_end
    return names


def cert_facts(leaf: LogLeaf) -> CertFacts:
    """Parse the logged certificate; raises :class:`CTFormatError` when it is not DER."""
    precert = leaf.entry_type == PRECERT_ENTRY
    der = wrap_tbs(leaf.body) if precert else leaf.body
    try:
        cert = x509.load_der_x509_certificate(der)
        names = _names(cert, leaf.body if precert else _first_element(leaf.body))
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
        logged=leaf.body,
        precert=precert,
        certificate=cert,
    )
